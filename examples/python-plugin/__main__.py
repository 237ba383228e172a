"""One image cache from Python through the plugin: the SDK generated from its schema.

`pulumi_ecicache` is not this package's dynamic face (`pulumi_eci_cache`): it is the
Python SDK of the provider plugin `pulumi-resource-ecicache`, like the TypeScript and Go
ones. The cache is built by an explicit provider (its own region, endpoint and keys), it
can be brought in with `pulumi import`, and the state holds no code (README, "Python:
the dynamic provider or the plugin?").

`make sdks` writes the SDK's wheel into dist/sdks/, of the package's version.
Against the local emulator, from the repository root:

    make venv
    make sdks
    .venv/bin/pip install dist/sdks/pulumi_ecicache-0.1.0-py3-none-any.whl
    make emulator
    export PATH="$(scripts/ensure-pulumi):$PWD/.venv/bin:$PATH"
    export ALIBABA_CLOUD_ACCESS_KEY_ID=emulator-access-key-id
    export ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-access-key-secret
    cd examples/python-plugin
    pulumi stack init dev
    pulumi config set ecicache:endpoint http://127.0.0.1:8686
    pulumi up

The explicit provider takes its settings from the stack's `ecicache:` config here; give
it literal values (or another account's keys) to build elsewhere.
"""

import pulumi
import pulumi_ecicache as ecicache

settings = pulumi.Config("ecicache")

hangzhou = ecicache.Provider(
    "hangzhou",
    region=settings.get("region") or "cn-hangzhou",
    endpoint=settings.get("endpoint"),
    poll_floor_seconds=settings.get_float("pollFloorSeconds"),
    poll_first_seconds=settings.get_float("pollFirstSeconds"),
    poll_ceiling_seconds=settings.get_float("pollCeilingSeconds"),
)

cache = ecicache.ImageCache(
    "web",
    image_cache_name="web",
    images=["nginx:1.25", "redis:7.2"],
    retention_days=7,
    opts=pulumi.ResourceOptions(provider=hangzhou),
)

pulumi.export("image_cache_id", cache.image_cache_id)
pulumi.export("status", cache.status)
