"""The diff rules: which input changes update a cache in place, which replace it, and why.

A Python dynamic provider can only tell the engine *which* properties changed and which
of them force a replacement (no detailed diff), so each change also carries a sentence
that the provider prints during the preview. The rules are data, declared once in
``FIELD_RULES`` beside each input, like pulumi-go-provider's ``replaceOnChanges``
annotations: how to compare the field, whether a change replaces the cache, and whether
it needs an ``UpdateImageCache`` call at all (``timeout`` only changes how long Pulumi
waits).

Comparisons are semantic, so rewriting an input the same way never rebuilds a cache:
images compare canonically and in any order, tags as maps, credentials, ACR instances,
registry lists and vSwitch ids in any order; an input absent on one side and empty (or
at its API default) on the other is equal. A value still unknown at preview counts as a
change. Replacements create the new cache before deleting the old one
(``delete_before_replace`` is always False), so the old cache serves until the new one
is Ready. Registry passwords never appear in a reason. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .images import canonical_or_raw
from .model import (
    DEFAULT_TIMEOUT,
    INPUT_FIELDS,
    as_written,
    canonical_host,
    contains_unknown,
    parse_duration,
)

__all__ = [
    "FIELD_RULES",
    "DiffPlan",
    "FieldRule",
    "PropertyChange",
    "plan_diff",
]

ChangeKind = Literal["update", "replace"]


@dataclass(frozen=True)
class PropertyChange:
    """One changed input: how it is applied, and a sentence for the preview."""

    name: str
    kind: ChangeKind
    reason: str


@dataclass(frozen=True)
class DiffPlan:
    """Every changed input of one cache, in the order the inputs are declared."""

    changes: tuple[PropertyChange, ...] = ()

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.changes)

    @property
    def replaces(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.changes if c.kind == "replace")

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def api_changes(self) -> tuple[str, ...]:
        """The changes that need an UpdateImageCache call."""
        return tuple(
            c.name for c in self.changes if c.name not in FIELD_RULES or FIELD_RULES[c.name].api
        )

    @property
    def delete_before_replace(self) -> bool:
        """Always False: the replacement is Ready before the old cache is deleted."""
        return False


# ---------------------------------------------------------------------------
# Normal forms: equal normal forms mean "no change". None stands for "not set".


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and len(value) == 0)


def _scalar(default: Any = None) -> Callable[[Any], Any]:
    """The value itself; absent, empty and the API's own default are all "not set"."""

    def key(value: Any) -> Any:
        if _empty(value) or (default is not None and value == default):
            return None
        return value

    return key


def _images_key(value: Any) -> Any:
    if _empty(value):
        return None
    return tuple(sorted(str(canonical_or_raw(ref)) for ref in value))


def _vswitch_key(value: Any) -> Any:
    if _empty(value):
        return None
    if not isinstance(value, str):
        return value
    return frozenset(part.strip() for part in value.split(",") if part.strip()) or None


def _tags_key(value: Any) -> Any:
    return None if _empty(value) else dict(value)


def _hosts_key(value: Any) -> Any:
    if _empty(value):
        return None
    return tuple(sorted(str(canonical_host(host)) for host in value))


def _credentials_key(value: Any) -> Any:
    return None if _empty(value) else tuple(sorted(_credential_map(value).items()))


def _acr_key(value: Any) -> Any:
    return None if _empty(value) else tuple(sorted(_acr_map(value).items()))


def _timeout_key(value: Any) -> Any:
    text = DEFAULT_TIMEOUT if _empty(value) else value
    try:
        return parse_duration(text)
    except (TypeError, ValueError):
        return text


def _credential_map(value: Any) -> dict[str, tuple[str, str]]:
    """server -> (user name, password), hosts written canonically."""
    result: dict[str, tuple[str, str]] = {}
    for entry in value or ():
        if isinstance(entry, Mapping):
            server = str(canonical_host(entry.get("server")))
            result[server] = (str(entry.get("user_name", "")), str(entry.get("password", "")))
    return result


def _acr_map(value: Any) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """instance id -> (instance name, region id, sorted domains)."""
    result: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for entry in value or ():
        if isinstance(entry, Mapping):
            domains = tuple(sorted(str(canonical_host(d)) for d in entry.get("domains") or ()))
            result[str(entry.get("instance_id"))] = (
                str(entry.get("instance_name") or ""),
                str(entry.get("region_id") or ""),
                domains,
            )
    return result


# ---------------------------------------------------------------------------
# Descriptions: "<what changed>" (the replace clause is added by plan_diff).


def _show(value: Any) -> str:
    if _empty(value):
        return "(not set)"
    return json.dumps(as_written(value), ensure_ascii=False, default=str)


def _describe_scalar(name: str, old: Any, new: Any) -> str:
    return f"{name} changes from {_show(old)} to {_show(new)}"


def _added_removed(name: str, old: Any, new: Any, spelled: Callable[[Any], dict[str, str]]) -> str:
    """``+ added, - removed``, compared on normal forms, each shown as its side wrote it."""
    before, after = spelled(old), spelled(new)
    parts = [f"+ {after[k]}" for k in sorted(after.keys() - before.keys())]
    parts += [f"- {before[k]}" for k in sorted(before.keys() - after.keys())]
    return f"{name}: {', '.join(parts)}"


def _spelled_images(value: Any) -> dict[str, str]:
    return {str(canonical_or_raw(ref)): str(ref) for ref in value or ()}


def _spelled_vswitches(value: Any) -> dict[str, str]:
    return {part: part for part in _vswitch_key(value) or ()}


def _spelled_hosts(value: Any) -> dict[str, str]:
    return {str(canonical_host(host)): str(host) for host in value or ()}


def _describe_images(name: str, old: Any, new: Any) -> str:
    return _added_removed(name, old, new, _spelled_images)


def _describe_vswitches(name: str, old: Any, new: Any) -> str:
    return _added_removed(name, old, new, _spelled_vswitches)


def _describe_hosts(name: str, old: Any, new: Any) -> str:
    return _added_removed(name, old, new, _spelled_hosts)


def _describe_tags(name: str, old: Any, new: Any) -> str:
    before, after = dict(old or {}), dict(new or {})
    parts = [f"+ {k}={after[k]}" for k in sorted(after.keys() - before.keys())]
    parts += [f"- {k}" for k in sorted(before.keys() - after.keys())]
    parts += [
        f"{k}: {_show(before[k])} -> {_show(after[k])}"
        for k in sorted(before.keys() & after.keys())
        if before[k] != after[k]
    ]
    return f"{name}: {', '.join(parts)}"


def _describe_credentials(name: str, old: Any, new: Any) -> str:
    before, after = _credential_map(old), _credential_map(new)
    parts = [f"+ registry {s}" for s in sorted(after.keys() - before.keys())]
    parts += [f"- registry {s}" for s in sorted(before.keys() - after.keys())]
    for server in sorted(before.keys() & after.keys()):
        (old_user, old_password), (new_user, new_password) = before[server], after[server]
        if old_user != new_user:
            parts.append(
                f"user name of registry {server} changes from {_show(old_user)} "
                f"to {_show(new_user)}"
            )
        if old_password != new_password:
            parts.append(f"password of registry {server} changed")
    return f"{name}: {', '.join(parts)}"


def _describe_acr(name: str, old: Any, new: Any) -> str:
    before, after = _acr_map(old), _acr_map(new)
    parts = [f"+ {i}" for i in sorted(after.keys() - before.keys())]
    parts += [f"- {i}" for i in sorted(before.keys() - after.keys())]
    labels = ("instance_name", "region_id", "domains")
    for instance in sorted(before.keys() & after.keys()):
        for label, was, now in zip(labels, before[instance], after[instance], strict=True):
            if was != now:
                was_shown = _show(list(was) if isinstance(was, tuple) else was)
                now_shown = _show(list(now) if isinstance(now, tuple) else now)
                parts.append(f"{instance} {label} changes from {was_shown} to {now_shown}")
    return f"{name}: {', '.join(parts)}"


def _describe_timeout(name: str, old: Any, new: Any) -> str:
    was = DEFAULT_TIMEOUT if _empty(old) else old
    now = DEFAULT_TIMEOUT if _empty(new) else new
    return (
        f"{name} changes from {_show(was)} to {_show(now)} (only how long Pulumi waits "
        "for the cache; no API call)"
    )


def _describe_adoption(name: str, old: Any, new: Any) -> str:
    return f"{_describe_scalar(name, old, new)} (only read when the cache is created; no API call)"


# ---------------------------------------------------------------------------
# The rules, one per input


@dataclass(frozen=True)
class FieldRule:
    """How one input is compared and applied.

    ``key`` maps a value to a normal form (None = not set); ``describe`` says what
    changed; ``kind`` is "replace" when the API cannot change the field in place
    (``replace_why`` says so in the preview); ``api`` is False for inputs that only
    steer the provider.
    """

    kind: ChangeKind
    key: Callable[[Any], Any]
    describe: Callable[[str, Any, Any], str]
    api: bool = True
    replace_why: str = ""


_AS_IS = _scalar()
_Describe = Callable[[str, Any, Any], str]


def _update(
    key: Callable[[Any], Any] = _AS_IS, describe: _Describe = _describe_scalar
) -> FieldRule:
    return FieldRule("update", key, describe)


def _replace(key: Callable[[Any], Any], describe: _Describe, why: str) -> FieldRule:
    return FieldRule("replace", key, describe, replace_why=why)


FIELD_RULES: Mapping[str, FieldRule] = {
    "image_cache_name": _update(),
    "images": _update(_images_key, _describe_images),
    "security_group_id": _update(),
    "vswitch_id": _update(_vswitch_key, _describe_vswitches),
    "zone_id": _replace(
        _AS_IS, _describe_scalar, "the ECI API cannot move a cache to another zone"
    ),
    "eip_instance_id": _update(),
    "image_cache_size": _update(_scalar(default=20)),  # the API's default size is 20 GiB
    "retention_days": _update(),
    "resource_group_id": _update(),
    "image_registry_credentials": _update(_credentials_key, _describe_credentials),
    "acr_registry_infos": _update(_acr_key, _describe_acr),
    "tags": _update(_tags_key, _describe_tags),
    "auto_match_image_cache": _update(_scalar(default=False)),
    "flash": _update(_scalar(default=False)),
    "flash_copy_count": _update(),
    "standard_copy_count": _update(),
    "elimination_strategy": _update(),  # "" is the API default and counts as not set
    "insecure_registries": _replace(
        _hosts_key,
        _describe_hosts,
        "the ECI API cannot change the insecure registries of an existing cache",
    ),
    "plain_http_registries": _replace(
        _hosts_key,
        _describe_hosts,
        "the ECI API cannot change the plain-HTTP registries of an existing cache",
    ),
    "timeout": FieldRule("update", _timeout_key, _describe_timeout, api=False),
    "adopt_image_cache_id": FieldRule("update", _AS_IS, _describe_adoption, api=False),
}

if set(FIELD_RULES) != set(INPUT_FIELDS):  # pragma: no cover - a programming error
    raise AssertionError("FIELD_RULES must cover exactly the inputs of ImageCacheSpec")


# What a refreshed cache's status demands, even when no input changed: a Failed cache
# is useless and will be removed by the service, so it is rebuilt as a new one; a
# cache whose last update failed gets the desired spec sent again.
BROKEN_STATUS: Mapping[str, tuple[ChangeKind, str]] = {
    "Failed": ("replace", "the cache's build failed, so a new one is built in its place"),
    "UpdateFailed": ("update", "the cache's last update failed, so the spec is sent again"),
}


def plan_diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffPlan:
    """Compare the old outputs (which hold the old normalised inputs) with the new checked
    inputs. Computed outputs (``progress``, ``events``, ...) are not inputs and are
    ignored, except a ``status`` that says the cache is broken (``BROKEN_STATUS``)."""
    changes: list[PropertyChange] = []
    broken = BROKEN_STATUS.get(str(olds.get("status")))
    if broken is not None:
        changes.append(
            PropertyChange("status", broken[0], f"status is {olds['status']}: {broken[1]}")
        )
    for name in INPUT_FIELDS:
        rule = FIELD_RULES[name]
        old, new = olds.get(name), news.get(name)
        if contains_unknown(new) or contains_unknown(old):
            what = f"{name} is not known until other resources are updated, so it may change"
        elif rule.key(old) != rule.key(new):
            what = rule.describe(name, old, new)
        else:
            continue
        if rule.kind == "replace":
            what = f"{what}: {rule.replace_why}, so it is replaced"
        changes.append(PropertyChange(name, rule.kind, what))
    return DiffPlan(tuple(changes))
