"""pulumi-eci-cache: Alibaba Cloud ECI image caches as declarative Pulumi infrastructure.

from pulumi_eci_cache import ImageCache, ImageCacheArgs

cache = ImageCache("web", ImageCacheArgs(
    image_cache_name="web", images=["nginx:1.25"], retention_days=7))
"""

from __future__ import annotations

from pulumi_eci_cache.resource import (
    ImageCache,
    ImageCacheAcrRegistryInfoArgs,
    ImageCacheArgs,
    ImageCacheImageRegistryCredentialArgs,
)

__all__ = [
    "ImageCache",
    "ImageCacheAcrRegistryInfoArgs",
    "ImageCacheArgs",
    "ImageCacheImageRegistryCredentialArgs",
]
