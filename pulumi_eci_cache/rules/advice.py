"""The vendor's cost and failure advice about one cache, as warnings on its row.

The image-cache manual gives advice that no other tool acts on: a manually created
cache keeps a snapshot, billed for as long as the cache is kept (set a retention); a
flash snapshot adds a charge while it lives; images from public registries are pulled
over the internet (an EIP, or a NAT gateway on the vSwitch, or the build fails); every
instance that uses a cache mounts, and pays for, a disk of the cache's size; a cache
nobody uses is worth deleting. Each piece of advice here names the cost or the failure,
the input that changes it, and how to silence it: its name in ``silence_advice``, on
the cache or on the provider (one setting, the same name in both places).

Advice is shown when a cache is created or when the inputs it is about change
(``RELEVANT``), never stored, and worded with the names of the user's language. The
"unused" advice comes from what Describe says at refresh (``unused_advice``). Pure: no
I/O; the caller says who is silenced and how the provider's setting is spelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .api import DAY
from .declaration import api_of
from .images import canonical_or_raw
from .model import ADVICE_NAMES, AdviceName, ImageCacheSpec
from .naming import SNAKE, Naming
from .values import contains_unknown, is_empty, timestamp

__all__ = [
    "ADVICE_NAMES",
    "DEFAULT_SIZE_GIB",
    "PUBLIC_REGISTRIES",
    "RELEVANT",
    "UNUSED_DAYS",
    "Advice",
    "AdviceName",
    "advise",
    "public_images",
    "unused_advice",
]

DEFAULT_SIZE_GIB: int = api_of(ImageCacheSpec.model_fields["image_cache_size"]).default
UNUSED_DAYS = 30  # the manual: delete caches no longer used; a month without a match

# Registries on the internet that a build instance reaches only through an EIP or a NAT
# gateway. A registry not listed (a company's own, Alibaba Cloud's ACR) gets no advice:
# it may well be reachable inside the VPC, and a false warning teaches people to ignore
# the true ones.
PUBLIC_REGISTRIES = frozenset(
    {
        "docker.io",
        "quay.io",
        "ghcr.io",
        "gcr.io",
        "k8s.gcr.io",
        "registry.k8s.io",
        "mcr.microsoft.com",
        "public.ecr.aws",
        "nvcr.io",
        "registry.gitlab.com",
        "docker.elastic.co",
    }
)

# The inputs each piece of advice is about: it is shown again only when one changes.
RELEVANT: Mapping[str, tuple[str, ...]] = {
    "no-retention": ("retention_days",),
    "flash": ("flash", "flash_copy_count"),
    "public-registry": ("images", "eip_instance_id"),
    "size": ("image_cache_size",),
}


@dataclass(frozen=True)
class Advice:
    """One piece of advice: its name (what silences it) and the sentence shown."""

    name: str
    message: str


def public_images(images: Iterable[Any]) -> list[str]:
    """The references (as written) whose registry is a public one on the internet."""
    found = []
    for ref in images:
        canonical = str(canonical_or_raw(ref))
        if canonical.split("/", 1)[0].lower() in PUBLIC_REGISTRIES:
            found.append(str(ref))
    return found


def _silence(name: str, naming: Naming, provider_key: str) -> str:
    field = naming.show("silence_advice")
    return (
        f'(to silence: add "{name}" to {field} on this cache, or to {provider_key} '
        "for every cache of the provider)"
    )


def _set(value: Any) -> bool:
    return not is_empty(value) and not contains_unknown(value)


def _retention(news: Mapping[str, Any], naming: Naming) -> str | None:
    if "retention_days" in news:  # set (or still unknown): nothing to say
        return None
    field = naming.show("retention_days")
    return (
        f"no {field}: the cache's snapshot is billed for as long as the cache is kept, "
        f"until it is deleted; set {field} (1 to 65536 days) and the service deletes it "
        "after that many days"
    )


def _size_of(news: Mapping[str, Any]) -> int:
    size: Any = news.get("image_cache_size")
    return int(size) if _set(size) else DEFAULT_SIZE_GIB


def _flash(news: Mapping[str, Any], naming: Naming) -> str | None:
    if news.get("flash") is not True:
        return None
    copies: Any = news.get("flash_copy_count")
    times = f" x {int(copies)} copies" if _set(copies) and int(copies) > 1 else ""
    field = naming.show("flash")
    return (
        f"{field} is on: a flash (local) snapshot is made first, charged per creation plus "
        f"the flash-snapshot price x {_size_of(news)} GiB{times} for as long as it lives "
        f"(until the ordinary snapshot is done); set {field} to false to build the "
        "ordinary snapshot alone"
    )


def _public(news: Mapping[str, Any], naming: Naming) -> str | None:
    images: Any = news.get("images")
    if not _set(images) or "eip_instance_id" in news:
        return None
    public = public_images(images)
    if not public:
        return None
    shown = ", ".join(public[:3]) + (f" and {len(public) - 3} more" if len(public) > 3 else "")
    eip = naming.show("eip_instance_id")
    return (
        f"{shown} {'is' if len(public) == 1 else 'are'} pulled from a public registry over "
        f"the internet and {eip} is not set: the build instance then needs a NAT gateway on "
        f"its vSwitch, or the build fails pulling after minutes; set {eip} to an elastic "
        "IP, or make sure the vSwitch has a NAT gateway"
    )


def _size(news: Mapping[str, Any], naming: Naming) -> str | None:
    size: Any = news.get("image_cache_size")
    if not _set(size) or int(size) <= DEFAULT_SIZE_GIB:
        return None
    field = naming.show("image_cache_size")
    return (
        f"{field} is {int(size)} GiB, above the default {DEFAULT_SIZE_GIB}: every instance "
        f"that uses the cache mounts, and pays for, a {int(size)} GiB disk beside it; "
        f"lower {field} if the images fit"
    )


_RULES = {
    "no-retention": _retention,
    "flash": _flash,
    "public-registry": _public,
    "size": _size,
}


def advise(
    news: Mapping[str, Any],
    changed: Iterable[str] | None,
    *,
    silenced: Iterable[str] = (),
    provider_key: str = "silence_advice",
    naming: Naming = SNAKE,
) -> list[Advice]:
    """The advice about a cache with the checked inputs ``news``.

    ``changed`` names the inputs that differ from the stored ones, None for a new
    cache (then every piece of advice that applies is given); ``silenced`` is the
    provider's ``silence_advice`` (the cache's own is in ``news``); ``provider_key``
    is how the provider's setting is spelled for this face.
    """
    quiet = set(silenced) | set(_names(news.get("silence_advice")))
    touched = None if changed is None else set(changed)
    found = []
    for name, rule in _RULES.items():
        if name in quiet:
            continue
        if touched is not None and not touched & set(RELEVANT[name]):
            continue
        message = rule(news, naming)
        if message is not None:
            found.append(Advice(name, f"{message} {_silence(name, naming, provider_key)}"))
    return found


def unused_advice(
    props: Mapping[str, Any],
    now: float,
    *,
    silenced: Iterable[str] = (),
    provider_key: str = "silence_advice",
    naming: Naming = SNAKE,
) -> Advice | None:
    """At refresh: a cache with no retention that no instance has used (Describe's
    ``last_matched_time``, else its ``creation_time``) for ``UNUSED_DAYS`` or more."""
    if "unused" in set(silenced) | set(_names(props.get("silence_advice"))):
        return None
    if _set(props.get("retention_days")):
        return None
    matched = timestamp(props.get("last_matched_time"))
    since = matched if matched is not None else timestamp(props.get("creation_time"))
    if since is None:
        return None
    days = int((now - since) // DAY)
    if days < UNUSED_DAYS:
        return None
    what = "since its last match" if matched is not None else "since it was created"
    field = naming.show("retention_days")
    return Advice(
        "unused",
        f"no instance has used the cache for {days} days ({what}) and it has no {field}: "
        "its snapshot is billed until it is deleted; the vendor advises deleting caches "
        f"no longer used (remove it from the program), or set {field} "
        f"{_silence('unused', naming, provider_key)}",
    )


def _names(value: Any) -> Sequence[str]:
    if not _set(value) or not isinstance(value, (list, tuple)):
        return ()
    return [str(v) for v in value]
