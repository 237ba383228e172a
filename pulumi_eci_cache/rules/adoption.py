"""Whether a cache bearing this resource's identity is its own interrupted create.

A create first looks for caches tagged with the resource's identity (identity.py). One
is adopted automatically only when it could be this very resource's create that died:
same name and images (compared canonically), created within the resource's
``timeout`` before now, not in a failed state, and not a cache this provider process
has seen in the state (the cache a replacement replaces bears the same identity). A
failed one that is otherwise ours is deleted, so the create starts clean. Any other
cache bearing the identity stops the create with one message naming it (id, name,
age, status, why it is not taken) and the ways out: delete it, or take it
deliberately with ``adopt_image_cache_id``. Never take a cloud object unless we are
sure it is ours. Pure: the caches and the clock are arguments.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_eci_cache.rules.identity import IDENTITY_TAG
from pulumi_eci_cache.rules.images import same_images
from pulumi_eci_cache.rules.naming import SNAKE, Naming
from pulumi_eci_cache.rules.values import timestamp

__all__ = ["CLOCK_SKEW", "AdoptionPlan", "bearing_identity", "duration", "plan_adoption"]

# A cache "created in the future" by this much is still taken as new (clock skew).
CLOCK_SKEW = 300.0
FAILED = ("Failed", "UpdateFailed")


@dataclass(frozen=True)
class AdoptionPlan:
    """What a create does about the caches bearing its identity."""

    adopt: str | None = None
    delete: tuple[str, ...] = ()
    refusal: str | None = None


def bearing_identity(caches: Mapping[str, Mapping[str, Any]], tag_value: str) -> list[Any]:
    """The caches (API shape) tagged ``pulumi-eci-cache-resource=<tag_value>``."""
    wanted = {"Key": IDENTITY_TAG, "Value": tag_value}
    return [cache for cache in caches.values() if wanted in (cache.get("Tags") or [])]


def _created(cache: Mapping[str, Any]) -> float | None:
    return timestamp(cache.get("CreationTime"))


def duration(seconds: float) -> str:
    """``3h 12m``, ``45s``: a span a person reads at a glance (two units at most)."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    units = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    parts = [f"{n}{unit}" for n, unit in units if n]
    return " ".join(parts[:2]) or "0s"


def _age(cache: Mapping[str, Any], now: float) -> str:
    created = _created(cache)
    return "of unknown age" if created is None else f"{duration(now - created)} old"


def _why_not(
    cache: Mapping[str, Any], name: str, images: Sequence[str], timeout: float, now: float
) -> str | None:
    """Why ``cache`` cannot be this resource's own interrupted create (None: it can)."""
    if cache.get("ImageCacheName") != name:
        return f'its name is "{cache.get("ImageCacheName")}", not "{name}"'
    if not same_images(list(cache.get("Images") or []), list(images)):
        return "its images differ from this resource's"
    created = _created(cache)
    if created is None:
        return "its creation time is unknown"
    if now - created > timeout:
        return f"it is older than this resource's timeout ({duration(timeout)})"
    if created - now > CLOCK_SKEW:
        return "its creation time is in the future"
    return None


def plan_adoption(
    candidates: Sequence[Mapping[str, Any]],
    *,
    name: str,
    images: Sequence[str],
    timeout: float,
    now: float,
    seen_ids: Collection[str],
    naming: Naming = SNAKE,
) -> AdoptionPlan:
    """Adopt, clean up, or refuse: see the module docstring. ``now`` is epoch seconds of
    the service's clock (cloud/clock.py), never this machine's."""
    own: list[Mapping[str, Any]] = []
    others: list[tuple[Mapping[str, Any], str]] = []
    for cache in candidates:
        if str(cache.get("ImageCacheId")) in seen_ids:
            continue
        why = _why_not(cache, name, images, timeout, now)
        if why is None:
            own.append(cache)
        else:
            others.append((cache, why))
    failed = tuple(str(c["ImageCacheId"]) for c in own if c.get("Status") in FAILED)
    live = [c for c in own if c.get("Status") not in FAILED]
    if len(live) > 1:
        ambiguous = "more than one cache could be this resource's interrupted create"
        others += [(c, ambiguous) for c in live]
        live = []
    if others:
        return AdoptionPlan(refusal=_refusal(others, now, naming))
    adopt = str(live[0]["ImageCacheId"]) if live else None
    return AdoptionPlan(adopt=adopt, delete=failed)


def _refusal(others: Sequence[tuple[Mapping[str, Any], str]], now: float, naming: Naming) -> str:
    def one(cache: Mapping[str, Any], why: str) -> str:
        return (
            f'{cache.get("ImageCacheId")} ("{cache.get("ImageCacheName")}", '
            f"{_age(cache, now)}, {cache.get('Status')}): {why}"
        )

    ids = [str(cache.get("ImageCacheId")) for cache, _ in others]
    listed = "; ".join(one(cache, why) for cache, why in others)
    plural = "caches bear" if len(others) > 1 else "cache bears"
    return (
        f"not creating, because {len(others)} {plural} this resource's identity "
        f"(same Pulumi organization, project, stack, resource name and credentials) but "
        f"cannot be its own interrupted create, so it is not taken over: {listed}. "
        f"Delete {' and '.join(ids)} if unused, or take one over deliberately with "
        f'{naming.show("adopt_image_cache_id")}="{ids[0]}", then run the update again.'
    )
