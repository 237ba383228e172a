"""BENCH_RESOURCES (default 100) image caches, as a user would write them."""

import os

from pulumi_eci_cache import ImageCache, ImageCacheArgs

for i in range(int(os.environ.get("BENCH_RESOURCES", "100"))):
    ImageCache(
        f"cache-{i}",
        ImageCacheArgs(
            image_cache_name=f"cache-{i}",
            images=["nginx:1.25", "redis:7.2"],
            image_cache_size=20,
            retention_days=7,
        ),
    )
