"""A cache of private images: registry credentials from stack secrets, ACR Enterprise without.

    pulumi config set registryUser deploy
    pulumi config set --secret registryPassword '...'
    pulumi up

The password reaches the state only encrypted: ImageCache marks the credentials
secret itself, whether or not the config value was set with --secret.
"""

import pulumi

from pulumi_eci_cache import (
    ImageCache,
    ImageCacheAcrRegistryInfoArgs,
    ImageCacheArgs,
    ImageCacheImageRegistryCredentialArgs,
)

config = pulumi.Config()
registry = config.get("registry") or "registry.example.com"

cache = ImageCache(
    "private",
    ImageCacheArgs(
        image_cache_name="private-apps",
        images=[
            f"{registry}/team/api:2.4.1",
            "acr-ee.example.com/platform/worker:1.9",
        ],
        image_registry_credentials=[
            ImageCacheImageRegistryCredentialArgs(
                server=registry,
                user_name=config.get("registryUser") or "deploy",
                password=config.require_secret("registryPassword"),
            )
        ],
        # ACR Enterprise Edition: the service logs in with the instance's own rights.
        acr_registry_infos=[
            ImageCacheAcrRegistryInfoArgs(
                instance_id="cri-examplexxxxxxxx",
                instance_name="platform",
                region_id="cn-hangzhou",
                domains=["acr-ee.example.com"],
            )
        ],
        image_cache_size=40,
        retention_days=30,
    ),
)

pulumi.export("image_cache_id", cache.image_cache_id)
pulumi.export("status", cache.status)
