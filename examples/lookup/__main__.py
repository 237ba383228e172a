"""Find caches and see which one ECI's auto-match would give a pod.

Builds four caches, then lists them with ``get_image_caches_output`` (by name, name
regex, image, status and snapshot id) and ranks them for a pod running nginx and
redis with ``rank_image_caches``: the cache holding both images comes first, then
those holding fewer, and a cache holding neither is left out.

The lookups call DescribeImageCaches from this program. Their inputs wait for the
caches' ids, so the first ``pulumi preview`` (caches not built yet) makes no call;
once the caches exist, every preview looks them up and needs credentials.
"""

import dataclasses

import pulumi

from pulumi_eci_cache import (
    ImageCache,
    ImageCacheArgs,
    auto_match_annotations,
    find_image_cache,
    get_image_caches_output,
    rank_image_caches,
)

POD_IMAGES = ["nginx:1.25", "redis:7.2"]

caches = {
    name: ImageCache(name, ImageCacheArgs(image_cache_name=name, images=images))
    for name, images in {
        "lookup-full": ["nginx:1.25", "redis:7.2"],
        "lookup-web": ["docker.io/library/nginx:1.25"],
        "lookup-redis": ["redis:7.0"],
        "lookup-batch": ["python:3.12-slim"],
    }.items()
}


def once_built(value):
    """``value``, known only once every cache above exists (so the lookups run after)."""
    return pulumi.Output.all(*(c.image_cache_id for c in caches.values())).apply(lambda _: value)


everything = get_image_caches_output(name_regex=once_built("^lookup-"))
with_redis = get_image_caches_output(image=once_built("docker.io/library/redis:7.2"))
ready_nginx = get_image_caches_output(image=once_built("nginx:1.25"), status="Ready")
by_name = get_image_caches_output(image_cache_name=once_built("lookup-web"))
by_snapshot = get_image_caches_output(snapshot_id=caches["lookup-full"].snapshot_id)


def ranking(_):
    ranked = rank_image_caches(POD_IMAGES)
    for place, match in enumerate(ranked, start=1):
        pulumi.log.info(f"{place}. {match.image_cache_name}: {match.reason}")
    return [dataclasses.asdict(match) for match in ranked]


ranked = once_built(None).apply(ranking)
best = once_built(None).apply(lambda _: find_image_cache(POD_IMAGES, perfect_match=True))

pulumi.export("all_names", everything.names)
pulumi.export("with_redis", with_redis.names)
pulumi.export("ready_nginx", ready_nginx.names)
pulumi.export("by_name", by_name.ids)
pulumi.export("by_snapshot", by_snapshot.names)
pulumi.export("ranking", ranked)
pulumi.export("best", best.apply(lambda match: match and match.image_cache_id))
pulumi.export("cache_ids", {name: c.image_cache_id for name, c in caches.items()})
# How a pod uses them: pinned to the best cache, or auto-matched by ECI.
pulumi.export("pinned_annotations", caches["lookup-full"].pod_annotations())
pulumi.export("auto_match_annotations", auto_match_annotations(perfect_match=True))
