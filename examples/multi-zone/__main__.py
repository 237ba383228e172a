"""One cache per service, usable from several zones, pulled from public registries.

- ``vswitch_id`` lists vSwitches in several zones (comma-separated, up to 10);
- ``eip_instance_id`` lets the build pull public images without a NAT gateway;
- ``flash`` makes the cache usable sooner (a local snapshot first; extra fee);
- ``auto_match_image_cache`` reuses layers of existing caches;
- ``retention_days`` and ``elimination_strategy="LRU"`` keep the quota in check.
Changing ``zone_id`` (or the registry lists) replaces a cache: the new one is built
before the old one is deleted, so instances keep starting fast.
"""

import pulumi

from pulumi_eci_cache import ImageCache, ImageCacheArgs

config = pulumi.Config()
vswitches = config.get("vswitchIds") or "vsw-bp1hzone0example1,vsw-bp1izone0example2"
security_group = config.get("securityGroupId") or "sg-bp1example0security"
eip = config.get("eipInstanceId") or "eip-bp1example0public"

services = {
    "web": ["nginx:1.25", "docker.io/library/node:20-alpine"],
    "jobs": ["python:3.12-slim", "redis:7.2"],
}

caches = {
    service: ImageCache(
        f"{service}-cache",
        ImageCacheArgs(
            image_cache_name=f"{service}-multi-zone",
            images=images,
            security_group_id=security_group,
            vswitch_id=vswitches,
            eip_instance_id=eip,
            flash=True,
            flash_copy_count=1,
            standard_copy_count=2,
            auto_match_image_cache=True,
            retention_days=14,
            elimination_strategy="LRU",
            tags={"service": service, "managed-by": "pulumi"},
            timeout="30m",
        ),
    )
    for service, images in services.items()
}

pulumi.export("image_cache_ids", {name: c.image_cache_id for name, c in caches.items()})
