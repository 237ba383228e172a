"""Quickstart: one image cache holding the images a web service starts from.

Run it against the local emulator with `make demo`, or against Alibaba Cloud by
setting `alicloud:region` and your access key (see README.md).
"""

import pulumi

from pulumi_eci_cache import ImageCache, ImageCacheArgs

cache = ImageCache(
    "quickstart",
    ImageCacheArgs(
        image_cache_name="quickstart",
        images=["nginx:1.25", "redis:7.2"],
        image_cache_size=20,
        retention_days=7,
    ),
)

pulumi.export("image_cache_id", cache.image_cache_id)
pulumi.export("status", cache.status)
pulumi.export("progress", cache.progress)
pulumi.export("snapshot_id", cache.snapshot_id)
pulumi.export("container_group_id", cache.container_group_id)
