"""``count`` ImageCaches (stack config, default 4) built at once by one provider process."""

import pulumi

from pulumi_eci_cache import ImageCache, ImageCacheArgs

for i in range(int(pulumi.Config().get("count") or 4)):
    ImageCache(f"cache-{i}", ImageCacheArgs(image_cache_name=f"cache-{i}", images=["nginx:1.25"]))
