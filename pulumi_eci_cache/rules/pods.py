"""How a Kubernetes pod on ECI (virtual kubelet) asks for an image cache: its annotations.

A cache only pays off when pods use it, and the pod says so in annotations the
virtual kubelet reads when it creates the pod (changing them later has no effect):

- pinned: ``k8s.aliyun.com/eci-image-snapshot-id: <imc-id>`` names one ``Ready``
  cache and wins over auto-match;
- auto-match: ``k8s.aliyun.com/eci-image-cache: "true"``, optionally restricted by
  ``k8s.aliyun.com/imc-perfect-match: "true"`` (every image must match exactly) and
  ``k8s.aliyun.com/imc-match-count-request: "<n>"`` (at least n images must).

Annotation values are strings in Kubernetes, so every value here is one. Pure: no I/O.
"""

from __future__ import annotations

from pulumi_eci_cache.rules.matching import check_match_count

__all__ = [
    "AUTO_MATCH_ANNOTATION",
    "MATCH_COUNT_ANNOTATION",
    "PERFECT_MATCH_ANNOTATION",
    "SNAPSHOT_ID_ANNOTATION",
    "auto_match_annotations",
    "pinned_annotations",
]

SNAPSHOT_ID_ANNOTATION = "k8s.aliyun.com/eci-image-snapshot-id"
AUTO_MATCH_ANNOTATION = "k8s.aliyun.com/eci-image-cache"
PERFECT_MATCH_ANNOTATION = "k8s.aliyun.com/imc-perfect-match"
MATCH_COUNT_ANNOTATION = "k8s.aliyun.com/imc-match-count-request"


def pinned_annotations(image_cache_id: str) -> dict[str, str]:
    """The annotation that pins a pod to one cache (``imc-...``)."""
    if not isinstance(image_cache_id, str) or not image_cache_id:
        raise ValueError(
            f"image_cache_id = {image_cache_id!r}: a pod can only be pinned to a cache by "
            'its id ("imc-..."); wait for the cache to be created, or use '
            "auto_match_annotations()"
        )
    return {SNAPSHOT_ID_ANNOTATION: image_cache_id}


def auto_match_annotations(
    perfect_match: bool = False, match_count: int | None = None
) -> dict[str, str]:
    """The annotations that ask ECI to pick the best ``Ready`` cache itself.

    ``perfect_match``: only a cache holding every image of the pod exactly;
    ``match_count``: only a cache holding at least that many exactly (when both are
    given, ECI applies ``perfect_match``). ``rank_image_caches`` with the same
    arguments shows which cache that would be.
    """
    if not isinstance(perfect_match, bool):
        raise ValueError(f"perfect_match = {perfect_match!r}: must be True or False")
    count = check_match_count(match_count)
    annotations = {AUTO_MATCH_ANNOTATION: "true"}
    if perfect_match:
        annotations[PERFECT_MATCH_ANNOTATION] = "true"
    if count is not None:
        annotations[MATCH_COUNT_ANNOTATION] = str(count)
    return annotations
