"""Which cache ECI's auto-match would pick for a pod: the ranking, as a pure function.

The vendor's manual says auto-match takes the region's caches whose size fits the
instance's temporary storage and ranks them by image match degree (registry and
version of each image), then image size (closest), then creation time (newest). It
does not say what "match degree" counts or what "image size" is measured against, so
this module makes those choices once, here, for ``rank_image_caches``; the emulator's
``DescribeImageCaches`` with ``MatchImage.N`` implements the same written choices on
its own (an oracle must not share the code it checks), and one table of cases holds
both to the same answers (tests/test_emulator_agreement.py):

- Only ``Ready`` caches are candidates (the service refuses any other).
- Each of the pod's images is compared with the cache's images canonically
  (``nginx:1.25`` is ``docker.io/library/nginx:1.25``; see images.py), never as text,
  because a cache stores its images as they were written. An image **matches
  exactly** when registry, repository and tag (or digest) are equal; it **matches
  its repository** when registry and repository are equal but the tag or digest
  differs (most layers are usually shared). Sharing only the registry is no match:
  two repositories of one registry share no layers to speak of.
- A cache matching none of the pod's images is not a candidate.
- Match degree: more exact matches first, then more repository matches.
- Image size: ``DescribeImageCaches`` gives only the cache's disk size
  (``ImageCacheSize``, GiB), not the bytes of its images. Every candidate holds the
  matched images, so the cache closest to the pod's images is the one with the least
  beyond them: the smaller ``ImageCacheSize`` first, then the fewer cached images the
  pod does not use.
- Creation time: the newest first (``CreationTime``, ISO-8601 UTC, compares as text).
- ``ephemeral_storage_gib`` (the instance's temporary storage): a cache larger than
  it does not fit and is left out. ``None`` leaves every size in.
- ``perfect_match`` (``ImageFullMatch``, ``k8s.aliyun.com/imc-perfect-match``): every
  pod image must match exactly. ``match_count`` (``ImageMatchCountRequest``,
  ``k8s.aliyun.com/imc-match-count-request``): at least that many pod images must
  match exactly. When both are given, ``perfect_match`` wins, as the vendor documents.
- Ties keep the order the caches were given in (the service's listing order).

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_eci_cache.rules.images import canonical_or_raw

__all__ = ["READY", "ImageCacheMatch", "check_images", "check_match_count", "rank_caches"]

READY = "Ready"


@dataclass(frozen=True)
class ImageCacheMatch:
    """A cache auto-match could pick, and why it ranks where it does.

    ``matched_images`` are the pod's images (as the caller wrote them) the cache holds
    exactly; ``repository_images`` those whose repository it holds with another tag.
    """

    image_cache_id: str = field(metadata={"doc": "The cache's id."})
    image_cache_name: str = field(metadata={"doc": "The cache's name."})
    matched_images: list[str] = field(
        default_factory=list, metadata={"doc": "The pod's images the cache holds exactly."}
    )
    repository_images: list[str] = field(
        default_factory=list,
        metadata={"doc": "The pod's images whose repository the cache holds in another tag."},
    )
    image_cache_size: int | None = field(default=None, metadata={"doc": "Its size (GiB)."})
    creation_time: str = field(default="", metadata={"doc": "When it was created."})
    reason: str = field(default="", metadata={"doc": "Why it ranks where it does."})


def check_match_count(match_count: object) -> int | None:
    """``match_count`` as a positive whole number (or None); ValueError saying why not."""
    if match_count is None:
        return None
    if isinstance(match_count, bool) or not isinstance(match_count, int) or match_count < 1:
        raise ValueError(
            f"match_count = {match_count!r}: must be a whole number of at least 1 "
            "(how many of the pod's images a cache must hold exactly), or None"
        )
    return match_count


def check_images(images: object) -> list[str]:
    """``images`` as a list of references; ValueError when it is not a list of strings."""
    if isinstance(images, (str, bytes)) or not isinstance(images, Iterable):
        raise ValueError(
            f"images = {images!r}: must be a list of image references, e.g. "
            '["nginx:1.25", "redis:7.2"]'
        )
    refs = list(images)
    if not refs or not all(isinstance(i, str) for i in refs):
        raise ValueError(
            f"images = {refs!r}: must be a non-empty list of image references (strings), "
            'e.g. ["nginx:1.25", "redis:7.2"]'
        )
    return refs


def _repository(canonical: str) -> str:
    """``registry/path`` of a canonical reference (tag and digest dropped)."""
    name = canonical.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


@dataclass(frozen=True)
class _Wanted:
    """One distinct pod image: as written, canonical, and its repository."""

    written: str
    canonical: str
    repository: str


def _wanted(images: Iterable[str]) -> list[_Wanted]:
    wanted: dict[str, _Wanted] = {}
    for image in images:
        canonical = str(canonical_or_raw(image))
        wanted.setdefault(canonical, _Wanted(image, canonical, _repository(canonical)))
    return list(wanted.values())


def _size(cache: Mapping[str, Any]) -> int | None:
    size = cache.get("ImageCacheSize")
    return int(size) if isinstance(size, (int, float)) and not isinstance(size, bool) else None


def _reason(
    wanted: Sequence[_Wanted],
    exact: Sequence[str],
    similar: Sequence[str],
    extra: int,
    cache: Mapping[str, Any],
) -> str:
    held = (
        f"holds all {len(wanted)} image(s) exactly"
        if len(exact) == len(wanted)
        else f"holds {len(exact)} of {len(wanted)} image(s) exactly"
    )
    if exact:
        held += f" ({', '.join(exact)})"
    if similar:
        held += f"; {len(similar)} more in another tag ({', '.join(similar)})"
    if extra:
        held += f"; {extra} other cached image(s)"
    size = _size(cache)
    held += f"; {size} GiB" if size is not None else "; size unknown"
    created = cache.get("CreationTime")
    return held + (f", created {created}" if created else "")


def rank_caches(
    caches: Iterable[Mapping[str, Any]],
    images: Sequence[str],
    *,
    ephemeral_storage_gib: float | None = None,
    perfect_match: bool = False,
    match_count: int | None = None,
) -> list[ImageCacheMatch]:
    """The caches (DescribeImageCaches dicts) auto-match could pick for ``images``, best
    first, by the rules in the module docstring."""
    match_count = check_match_count(match_count)
    wanted = _wanted(check_images(images))
    needed = len(wanted) if perfect_match else (match_count or 1)
    ranked: list[tuple[tuple[Any, ...], ImageCacheMatch]] = []
    for cache in caches:
        size = _size(cache)
        if cache.get("Status") != READY:
            continue
        if ephemeral_storage_gib is not None and size is not None and size > ephemeral_storage_gib:
            continue
        held = {str(canonical_or_raw(i)) for i in cache.get("Images") or ()}
        held_repositories = {_repository(i) for i in held}
        exact = [w.written for w in wanted if w.canonical in held]
        similar = [
            w.written
            for w in wanted
            if w.canonical not in held and w.repository in held_repositories
        ]
        if not exact and not similar:
            continue
        if (perfect_match or match_count) and len(exact) < needed:
            continue
        extra = len(held - {w.canonical for w in wanted})
        created = str(cache.get("CreationTime") or "")
        match = ImageCacheMatch(
            image_cache_id=str(cache.get("ImageCacheId", "")),
            image_cache_name=str(cache.get("ImageCacheName", "")),
            matched_images=exact,
            repository_images=similar,
            image_cache_size=size,
            creation_time=created,
            reason=_reason(wanted, exact, similar, extra, cache),
        )
        size_key = size if size is not None else float("inf")
        ranked.append(((-len(exact), -len(similar), size_key, extra, _Newest(created)), match))
    ranked.sort(key=lambda pair: pair[0])
    return [match for _, match in ranked]


@dataclass(frozen=True)
class _Newest:
    """Sorts ISO-8601 times newest first (an empty time counts as the oldest)."""

    time: str

    def __lt__(self, other: _Newest) -> bool:
        return self.time > other.time
