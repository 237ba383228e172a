"""Looks up an existing cache by id (stack config ``cacheId``) with ImageCache.get."""

import pulumi

from pulumi_eci_cache import ImageCache

existing = ImageCache.get("existing", pulumi.Config().require("cacheId"))

pulumi.export("status", existing.status)
pulumi.export("images", existing.images)
pulumi.export("image_cache_name", existing.image_cache_name)
