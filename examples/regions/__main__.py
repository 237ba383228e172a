"""Several regions in one program: the stack's region, and a cache with its own.

Each ImageCache is built in ``region`` when it names one, else in the stack's
(``alicloud:region`` or ALIBABA_CLOUD_REGION_ID); changing a cache's region replaces it.
One provider process serves both, with a client, a poller and a rate limiter per region.
Run it like the quickstart (README.md, "Several regions or accounts").
"""

import pulumi

from pulumi_eci_cache import ImageCache, ImageCacheArgs

IMAGES = ["nginx:1.25", "redis:7.2"]

home = ImageCache("home", ImageCacheArgs(image_cache_name="web", images=IMAGES))
shanghai = ImageCache(
    "shanghai",
    ImageCacheArgs(image_cache_name="web", images=IMAGES, region="cn-shanghai"),
)

pulumi.export("home", {"id": home.image_cache_id, "region": home.region_id})
pulumi.export("shanghai", {"id": shanghai.image_cache_id, "region": shanghai.region_id})
