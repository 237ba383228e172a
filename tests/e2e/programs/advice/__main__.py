"""ImageCaches from stack config: ``caches`` is a JSON object of resource name ->
ImageCacheArgs fields, so a test changes the caches between previews by config alone."""

import json

import pulumi

from pulumi_eci_cache import ImageCache, ImageCacheArgs

for name, fields in json.loads(pulumi.Config().require("caches")).items():
    ImageCache(name, ImageCacheArgs(**fields))
