"""A region's caches as Pulumi's bulk import file (``pulumi import --file``).

A platform team's first step is to bring the caches it already has under Pulumi;
``pulumi import`` takes one id at a time, so ``eci-cache import-file`` (console.py)
lists a region's caches and writes the file Pulumi reads to import them all at once:
``{"resources": [{"type", "name", "id"}, ...]}``. This module decides which caches go
in and what each is called; it does no I/O.

- **Filters** as the lookups have them: a name prefix, tags (``key=value``, every one
  must match), a status.
- **Caches another stack manages are left out**: a cache bearing our identity tag
  (rules/identity.py) was made by a Pulumi stack; importing it into a second stack
  would let either one delete it. They are counted, so the command can say so.
- **Logical names from cache names**: ECI names need not be unique, so a name that
  repeats gets ``-2``, ``-3``, ... in creation order (the oldest keeps the plain
  name); the order is by creation time, then id, so the file is the same every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .api import identity_tag_of

__all__ = ["ImportFilters", "ImportPlan", "parse_tag", "plan_import"]


def parse_tag(text: str) -> tuple[str, str]:
    """``team=web`` as ``("team", "web")``; a ValueError in one sentence otherwise."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--tag {text!r}: write it as key=value (e.g. --tag team=web)")
    return key.strip(), value


@dataclass(frozen=True)
class ImportFilters:
    """Which caches to import: every filter given must hold."""

    name_prefix: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    status: str | None = None

    def admit(self, cache: Mapping[str, Any]) -> bool:
        tags = {str(t.get("Key")): str(t.get("Value", "")) for t in cache.get("Tags") or []}
        return (
            (
                self.name_prefix is None
                or str(cache.get("ImageCacheName", "")).startswith(self.name_prefix)
            )
            and all(tags.get(key) == value for key, value in self.tags.items())
            and (self.status is None or cache.get("Status") == self.status)
        )


@dataclass(frozen=True)
class ImportPlan:
    """The import file's resources, and the ids left out because a stack manages them."""

    resources: list[dict[str, str]]
    managed: list[str]

    def file(self) -> dict[str, Any]:
        """The document ``pulumi import --file`` reads."""
        return {"resources": self.resources}


def _managed(cache: Mapping[str, Any]) -> bool:
    return identity_tag_of(cache) is not None


def _names(caches: Sequence[Mapping[str, Any]]) -> list[str]:
    """A unique logical name per cache, from its name (``web``, ``web-2``, ...)."""
    taken: set[str] = set()
    names = []
    for cache in caches:
        base = str(cache.get("ImageCacheName") or cache.get("ImageCacheId"))
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name)
        names.append(name)
    return names


def plan_import(
    caches: Iterable[Mapping[str, Any]],
    resource_type: str,
    filters: ImportFilters = ImportFilters(),
    include_managed: bool = False,
) -> ImportPlan:
    """The caches that pass ``filters`` as import entries of ``resource_type``; those a
    Pulumi stack manages are left out unless ``include_managed``."""
    chosen = sorted(
        (c for c in caches if filters.admit(c)),
        key=lambda c: (str(c.get("CreationTime") or ""), str(c.get("ImageCacheId"))),
    )
    managed = [str(c["ImageCacheId"]) for c in chosen if _managed(c) and not include_managed]
    chosen = [c for c in chosen if str(c["ImageCacheId"]) not in managed]
    resources = [
        {"type": resource_type, "name": name, "id": str(cache["ImageCacheId"])}
        for cache, name in zip(chosen, _names(chosen), strict=True)
    ]
    return ImportPlan(resources, managed)
