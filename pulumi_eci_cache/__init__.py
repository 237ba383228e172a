"""pulumi-eci-cache: Alibaba Cloud ECI image caches as declarative Pulumi infrastructure.

from pulumi_eci_cache import ImageCache, ImageCacheArgs

cache = ImageCache("web", ImageCacheArgs(
    image_cache_name="web", images=["nginx:1.25"], retention_days=7))
"""

from __future__ import annotations

import importlib.metadata

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
    "__version__",
]

# The one source of the version is pyproject.toml; an installed package knows it
# (a source tree on sys.path that was never installed does not).
try:
    __version__ = importlib.metadata.version("pulumi-eci-cache")
except importlib.metadata.PackageNotFoundError:
    __version__ = "0+unknown"
