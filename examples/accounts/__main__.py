"""Image caches in two accounts from one Python program, each built as a role there.

A cache's ``assume_role`` is assumed with the stack's credentials (``alicloud:*`` or
ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, or the stack's own ``alicloud:assumeRole`` /
``alicloud:assumeRoleWithOidc``), which then sign only the STS calls: every ECI call
for the cache is signed as its role, in its account. Changing a cache's role to
another account replaces it. Run it like the quickstart against the emulator
(README.md, "From CI without keys, into other accounts"):

    .venv/bin/eci-emulator --port 8686 --state '' --iam examples/yaml-accounts/emulator-iam.json &
    export ALIBABA_CLOUD_STS_ENDPOINT=http://127.0.0.1:8686
    pulumi config set eci-cache:endpoint http://127.0.0.1:8686
    pulumi up
"""

import pulumi

from pulumi_eci_cache import ImageCache, ImageCacheArgs, ImageCacheAssumeRoleArgs

config = pulumi.Config()
ROLES = {
    "b": config.get("roleB") or "acs:ram::2222000000000000:role/builder",
    "c": config.get("roleC") or "acs:ram::3333000000000000:role/builder",
}

caches = {
    account: ImageCache(
        f"web-{account}",
        ImageCacheArgs(
            image_cache_name="web",
            images=["nginx:1.25"],
            assume_role=ImageCacheAssumeRoleArgs(role_arn=role, session_name="pulumi-eci-cache"),
        ),
    )
    for account, role in ROLES.items()
}

for account, cache in caches.items():
    pulumi.export(account, {"id": cache.image_cache_id, "account": cache.account_id})
