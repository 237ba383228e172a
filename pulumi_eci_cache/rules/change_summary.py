"""What a change holds in snapshots: the GiB it adds and removes, and how many without
retention, for one line on the stack's row of a preview.

Each cache the preview creates, replaces or resizes contributes once (keyed by its
URN, so a second look replaces the first): a new cache adds its size; a replacement
adds the new cache's and removes the old one's; an in-place resize adds or removes the
difference. A cache's snapshot is at most its size (the disk it is made from), so the
figures are the sizes the user declared. Caches deleted from the program are not
here: the engine tells a provider of a delete only when ``pulumi up`` runs it, never
in a preview, and the line says so. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .advice import DEFAULT_SIZE_GIB
from .values import contains_unknown, is_empty

__all__ = ["Contribution", "contribution", "summary_line"]


@dataclass(frozen=True)
class Contribution:
    """One cache's part of the change."""

    added_gib: int = 0
    removed_gib: int = 0
    added_caches: int = 0
    removed_caches: int = 0
    added_without_retention: int = 0
    removed_without_retention: int = 0


def _size(props: Mapping[str, Any]) -> int:
    size: Any = props.get("image_cache_size")
    if is_empty(size) or contains_unknown(size):
        return DEFAULT_SIZE_GIB
    return int(size)


def _no_retention(props: Mapping[str, Any]) -> int:
    return 1 if is_empty(props.get("retention_days")) else 0


def contribution(
    news: Mapping[str, Any], olds: Mapping[str, Any] | None, replaced: bool
) -> Contribution:
    """A new cache (``olds`` None), a replacement, or an in-place update of ``olds``."""
    if olds is None or replaced:
        added = Contribution(
            added_gib=_size(news), added_caches=1, added_without_retention=_no_retention(news)
        )
        if olds is None:
            return added
        return Contribution(
            added.added_gib,
            _size(olds),
            1,
            1,
            added.added_without_retention,
            _no_retention(olds),
        )
    grown = _size(news) - _size(olds)
    return Contribution(added_gib=max(grown, 0), removed_gib=max(-grown, 0))


def _caches(count: int) -> str:
    return f"{count} cache" + ("" if count == 1 else "s")


def summary_line(parts: Iterable[Contribution]) -> str | None:
    """The stack's line, None when the change holds no snapshot at all."""
    parts = list(parts)
    total = Contribution(*(sum(getattr(p, f.name) for p in parts) for f in fields(Contribution)))
    if not (total.added_gib or total.removed_gib):
        return None
    said = []
    if total.added_gib:
        added = f"+{total.added_gib} GiB"
        if total.added_caches:
            added += (
                f" ({_caches(total.added_caches)} built, {total.added_without_retention} "
                "without retention: billed until deleted)"
            )
        said.append(added)
    if total.removed_gib:
        removed = f"-{total.removed_gib} GiB"
        if total.removed_caches:
            removed += (
                f" ({_caches(total.removed_caches)} replaced, "
                f"{total.removed_without_retention} without retention)"
            )
        said.append(removed)
    return (
        f"image cache snapshots in this change: {', '.join(said)}; caches deleted from the "
        "program are not counted (a provider hears of a delete only when `pulumi up` runs it)"
    )
