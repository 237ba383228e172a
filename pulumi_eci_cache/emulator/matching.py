"""Which caches ECI's auto-match could give a pod, best first: ``MatchImage.N``'s answer.

The emulator is the oracle ``rank_image_caches`` is tested against, so this is a
second, independent reading of the rule, written from the words, not from the
provider's rules/matching.py (an oracle sharing the provider's code shares its bugs;
tests/test_emulator_agreement.py holds both readings to one table of cases). The
vendor's manual ("Using a cache") says auto-match ranks caches by how well the images
match (registry and tag), then by size (closest), then the newest; README.md's "Which
cache will a pod get?" settles what the manual leaves vague:

- Candidates are ``Ready`` caches holding at least one of the pod's images, exactly
  or in another tag (or digest) of its repository. The same registry alone is no match.
- Match degree first: more exact matches (registry, repository and tag/digest equal),
  then more same-repository matches among the pod's other images.
- Size next: Describe gives only ``ImageCacheSize`` (GiB), so the smaller cache first,
  then the one holding fewer images the pod does not use.
- Then ``CreationTime``, newest first; ties left after that keep the service's order.
- ``ImageFullMatch``: every one of the pod's images must match exactly.
  ``ImageMatchCountRequest`` n: at least n of them must. Full match wins when both
  are given.

Images are compared as a registry reads them (references.py): a pod image written
twice, in two spellings, is one image. Pure: no I/O.
"""

from __future__ import annotations

import calendar
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .references import Reference, identity

__all__ = ["DEFAULT_CACHE_SIZE", "READY", "Fit", "fit", "rank_for_pod"]

READY = "Ready"
DEFAULT_CACHE_SIZE = 20  # GiB: ImageCacheSize when a cache was created without one

Cache = TypeVar("Cache", bound=Mapping[str, Any])


@dataclass(frozen=True)
class Fit:
    """How one cache's images fit a pod's images."""

    exact: int  # the pod's images the cache holds exactly
    same_repository: int  # the others, whose repository it holds in another tag or digest
    unused: int  # the cache's images the pod does not use
    pod_images: int  # the pod's images, each counted once however often it is written

    @property
    def matches(self) -> bool:
        """Whether the cache holds any of the pod's images, exactly or in another tag."""
        return self.exact + self.same_repository > 0


def fit(cache_images: Iterable[str], pod_images: Iterable[str]) -> Fit:
    """Count how ``cache_images`` fit ``pod_images`` (both as written)."""
    wanted = set(map(identity, pod_images))
    held = set(map(identity, cache_images))
    held_repositories = {image.name for image in held if isinstance(image, Reference)}
    exact = wanted & held
    same_repository = [
        image
        for image in wanted - exact
        if isinstance(image, Reference) and image.name in held_repositories
    ]
    return Fit(len(exact), len(same_repository), len(held - wanted), len(wanted))


def rank_for_pod(
    caches: Iterable[Cache],
    pod_images: Sequence[str],
    *,
    full_match: bool = False,
    match_count: int | None = None,
) -> list[Cache]:
    """The caches (DescribeImageCaches' shape, in the service's order) auto-match could
    give a pod with ``pod_images``, best first, by the rule in the module docstring."""
    ranked: list[tuple[tuple[float, ...], Cache]] = []
    for cache in caches:
        if cache.get("Status") != READY:
            continue
        how = fit(cache.get("Images") or (), pod_images)
        if not how.matches or not _enough(how, full_match, match_count):
            continue
        size = cache.get("ImageCacheSize", DEFAULT_CACHE_SIZE)
        order = (-how.exact, -how.same_repository, size, how.unused, -_created(cache))
        ranked.append((order, cache))
    ranked.sort(key=lambda entry: entry[0])  # stable: ties keep the service's order
    return [cache for _, cache in ranked]


def _enough(how: Fit, full_match: bool, match_count: int | None) -> bool:
    if full_match:
        return how.exact == how.pod_images
    return match_count is None or how.exact >= match_count


def _created(cache: Mapping[str, Any]) -> float:
    """``CreationTime`` (ISO-8601 UTC) in seconds; a cache without one is the oldest."""
    text = cache.get("CreationTime") or ""
    try:
        return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return -math.inf
