"""Finding caches, and which one auto-match would pick: the lookups' core, for every face.

pulumi-alicloud's ``alicloud.eci.get_image_caches`` (and Terraform's data source) reads
one page and compares images as text; this one reads every page, compares images
canonically, and tells which cache ECI's auto-match would pick for a pod
(``rank_image_caches``, with the ranking itself in rules/matching.py). The Python
program calls these through program/lookups.py (with the stack's settings); the
plugin serves them as its functions ``getImageCaches`` and ``rankImageCaches`` (with
its provider's), and their signatures and results make the schema's functions.

Filters: ``image_cache_name``, ``snapshot_id`` and a single id are sent to the
service; the rest are applied here. ``image`` is applied here, canonically: the
service compares image text, and a cache stores its images as they were written, so
``nginx:1.25`` would miss a cache holding ``docker.io/library/nginx:1.25``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel

from pulumi_eci_cache.cloud.client import EciClient
from pulumi_eci_cache.cloud.waiter import ACCEPTORS
from pulumi_eci_cache.rules.api import CacheEvent, ImageCacheOutputs, outputs_from_cache
from pulumi_eci_cache.rules.declaration import Doc
from pulumi_eci_cache.rules.images import canonical_or_raw
from pulumi_eci_cache.rules.matching import (
    ImageCacheMatch,
    check_images,
    check_match_count,
    rank_caches,
)
from pulumi_eci_cache.rules.model import ImageCacheSpec

__all__ = [
    "STATUSES",
    "GetImageCachesCacheEventResult",
    "GetImageCachesCacheResult",
    "GetImageCachesResult",
    "find_image_cache",
    "get_image_caches",
    "rank_image_caches",
]

STATUSES = tuple(ACCEPTORS)


def _doc(name: str, model: type[BaseModel] = ImageCacheOutputs) -> dict[str, str]:
    """A result field's description: the one its model declares (the schema shows it)."""
    return {"doc": model.model_fields[name].description or ""}


def _event(name: str) -> dict[str, str]:
    return _doc(name, CacheEvent)


@dataclass(frozen=True)
class GetImageCachesCacheEventResult:
    """One event of a cache's build (the reason a build failed is here)."""

    name: str = field(default="", metadata=_event("name"))
    reason: str = field(default="", metadata=_event("reason"))
    message: str = field(default="", metadata=_event("message"))
    type: str = field(default="", metadata=_event("type"))
    count: int = field(default=0, metadata=_event("count"))
    first_timestamp: str = field(default="", metadata=_event("first_timestamp"))
    last_timestamp: str = field(default="", metadata=_event("last_timestamp"))


@dataclass(frozen=True)
class GetImageCachesCacheResult:
    """One cache as DescribeImageCaches reports it (``id`` is ``image_cache_id``)."""

    id: str = field(metadata=_doc("image_cache_id"))
    image_cache_id: str = field(metadata=_doc("image_cache_id"))
    image_cache_name: str = field(metadata=_doc("image_cache_name", ImageCacheSpec))
    images: list[str] = field(metadata=_doc("images", ImageCacheSpec))
    status: str = field(metadata=_doc("status"))
    progress: str = field(metadata=_doc("progress"))
    snapshot_id: str = field(metadata=_doc("snapshot_id"))
    container_group_id: str = field(metadata=_doc("container_group_id"))
    image_cache_size: int | None = field(metadata=_doc("image_cache_size", ImageCacheSpec))
    creation_time: str = field(metadata=_doc("creation_time"))
    expire_date_time: str = field(metadata=_doc("expire_date_time"))
    events: list[GetImageCachesCacheEventResult] = field(
        default_factory=list, metadata=_doc("events")
    )


@dataclass(frozen=True)
class GetImageCachesResult:
    """What ``get_image_caches`` found: the caches, their ids and their names, in order."""

    caches: list[GetImageCachesCacheResult] = field(metadata={"doc": "The caches found."})
    ids: list[str] = field(metadata={"doc": "Their ids, in the same order."})
    names: list[str] = field(metadata={"doc": "Their names, in the same order."})


def _cache_result(cache: Mapping[str, Any]) -> GetImageCachesCacheResult:
    outs = outputs_from_cache(cache)
    size = cache.get("ImageCacheSize")
    return GetImageCachesCacheResult(
        id=str(outs["image_cache_id"] or ""),
        image_cache_id=str(outs["image_cache_id"] or ""),
        image_cache_name=str(cache.get("ImageCacheName") or ""),
        images=[str(i) for i in cache.get("Images") or ()],
        status=str(outs["status"] or ""),
        progress=str(outs["progress"] or ""),
        snapshot_id=str(outs["snapshot_id"] or ""),
        container_group_id=str(outs["container_group_id"] or ""),
        image_cache_size=int(size) if isinstance(size, (int, float)) else None,
        creation_time=str(outs["creation_time"] or ""),
        expire_date_time=str(outs["expire_date_time"] or ""),
        events=[GetImageCachesCacheEventResult(**event) for event in outs["events"]],
    )


def _compile(name_regex: str | None) -> re.Pattern[str] | None:
    if name_regex is None:
        return None
    try:
        return re.compile(name_regex)
    except re.error as exc:
        raise ValueError(
            f"name_regex = {name_regex!r} is not a valid regular expression ({exc}); "
            'write e.g. "^web-"'
        ) from exc


def _check_status(status: str | None) -> None:
    if status is not None and status not in STATUSES:
        raise ValueError(f"status = {status!r}: must be one of {', '.join(STATUSES)}")


def get_image_caches(
    client: EciClient,
    ids: Annotated[Sequence[str] | None, Doc("Any of these ids (none: no filter).")] = None,
    image: Annotated[str | None, Doc("Holds this image (compared canonically).")] = None,
    image_cache_name: Annotated[str | None, Doc("Has this exact name.")] = None,
    name_regex: Annotated[str | None, Doc("Has a name containing a match (re.search).")] = None,
    snapshot_id: Annotated[str | None, Doc("Has this snapshot.")] = None,
    status: Annotated[
        str | None,
        Doc("Has this status: Preparing, Creating, Ready, Failed, Updating or UpdateFailed."),
    ] = None,
) -> GetImageCachesResult:
    """The region's caches that pass every filter given (all pages are read).

    ``ids``: any of these ids (empty or None: no filter); ``image``: holds this image
    (compared canonically); ``image_cache_name``: this exact name; ``name_regex``: a
    name containing a match (``re.search``); ``snapshot_id``; ``status`` (one of
    Preparing, Creating, Ready, Failed, Updating, UpdateFailed), through ``client``.
    """
    pattern = _compile(name_regex)
    _check_status(status)
    wanted_ids = list(ids or ())
    server: dict[str, Any] = {
        key: value
        for key, value in (
            ("ImageCacheName", image_cache_name),
            ("SnapshotId", snapshot_id),
            ("ImageCacheId", wanted_ids[0] if len(wanted_ids) == 1 else None),
        )
        if value is not None
    }
    found = client.describe_image_caches(**server)
    wanted_image = canonical_or_raw(image) if image is not None else None
    caches = [
        _cache_result(c)
        for c in found
        if (not wanted_ids or c.get("ImageCacheId") in wanted_ids)
        and (image_cache_name is None or c.get("ImageCacheName") == image_cache_name)
        and (snapshot_id is None or c.get("SnapshotId") == snapshot_id)
        and (status is None or c.get("Status") == status)
        and (pattern is None or pattern.search(str(c.get("ImageCacheName") or "")))
        and (wanted_image is None or wanted_image in map(canonical_or_raw, c.get("Images") or ()))
    ]
    return GetImageCachesResult(
        caches=caches,
        ids=[c.image_cache_id for c in caches],
        names=[c.image_cache_name for c in caches],
    )


def rank_image_caches(
    client: EciClient,
    images: Annotated[Sequence[str], Doc("The pod's images, as it names them.")],
    ephemeral_storage_gib: Annotated[
        float | None, Doc("The instance's temporary storage (GiB): larger caches do not fit.")
    ] = None,
    perfect_match: Annotated[bool, Doc("Only caches holding every image exactly.")] = False,
    match_count: Annotated[
        int | None, Doc("Only caches holding at least this many images exactly.")
    ] = None,
) -> list[ImageCacheMatch]:
    """The caches ECI's auto-match could pick for a pod with ``images``, best first.

    Only ``Ready`` caches holding at least one of the images (exactly, or the same
    repository with another tag) are candidates; a cache larger than
    ``ephemeral_storage_gib`` does not fit. They rank by match degree (exact matches,
    then same-repository matches), then image size (the smaller ``ImageCacheSize``,
    then the fewer unused images), then creation time (newest). ``perfect_match`` and
    ``match_count`` mean what the pod annotations ``imc-perfect-match`` and
    ``imc-match-count-request`` mean. The rules and why: matching.py.
    """
    check_images(images)
    check_match_count(match_count)
    caches = client.describe_image_caches()
    return rank_caches(
        caches,
        images,
        ephemeral_storage_gib=ephemeral_storage_gib,
        perfect_match=perfect_match,
        match_count=match_count,
    )


def find_image_cache(
    client: EciClient,
    images: Sequence[str],
    ephemeral_storage_gib: float | None = None,
    perfect_match: bool = False,
    match_count: int | None = None,
) -> ImageCacheMatch | None:
    """The cache auto-match would pick for ``images`` (``rank_image_caches``' first), or
    None when there is none (ECI would then build one while creating the pod)."""
    ranked = rank_image_caches(client, images, ephemeral_storage_gib, perfect_match, match_count)
    return ranked[0] if ranked else None
