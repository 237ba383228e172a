"""``count`` image caches (stack config), as a platform team's program declares them."""

import pulumi

from pulumi_eci_cache import ImageCache, ImageCacheArgs

config = pulumi.Config()
for i in range(int(config.get("count") or "20")):
    ImageCache(
        f"cache-{i}",
        ImageCacheArgs(
            image_cache_name=f"cache-{i}",
            images=["nginx:1.25", f"redis:7.{i}"],
            retention_days=7,
        ),
    )
