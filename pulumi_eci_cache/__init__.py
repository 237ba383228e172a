"""pulumi-eci-cache: Alibaba Cloud ECI image caches as declarative Pulumi infrastructure.

from pulumi_eci_cache import ImageCache, ImageCacheArgs

cache = ImageCache("web", ImageCacheArgs(
    image_cache_name="web", images=["nginx:1.25"], retention_days=7))
"""

from __future__ import annotations

from pulumi_eci_cache.program.kubernetes import ManifestError, kubernetes_manifest
from pulumi_eci_cache.program.lookups import (
    GetImageCachesCacheEventResult,
    GetImageCachesCacheResult,
    GetImageCachesResult,
    find_image_cache,
    get_image_caches,
    get_image_caches_output,
    rank_image_caches,
)
from pulumi_eci_cache.program.resource import (
    ImageCache,
    ImageCacheAcrRegistryInfoArgs,
    ImageCacheArgs,
    ImageCacheAssumeRoleArgs,
    ImageCacheImageRegistryCredentialArgs,
)
from pulumi_eci_cache.rules.matching import ImageCacheMatch
from pulumi_eci_cache.rules.pods import auto_match_annotations
from pulumi_eci_cache.version import VERSION

__all__ = [
    "GetImageCachesCacheEventResult",
    "GetImageCachesCacheResult",
    "GetImageCachesResult",
    "ImageCache",
    "ImageCacheAcrRegistryInfoArgs",
    "ImageCacheArgs",
    "ImageCacheAssumeRoleArgs",
    "ImageCacheImageRegistryCredentialArgs",
    "ImageCacheMatch",
    "ManifestError",
    "__version__",
    "auto_match_annotations",
    "find_image_cache",
    "get_image_caches",
    "get_image_caches_output",
    "kubernetes_manifest",
    "rank_image_caches",
]

__version__ = VERSION
