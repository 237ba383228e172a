"""The diff rules: which input changes update a cache in place, which replace it, and why.

Whether a change replaces the cache, and whether it needs an UpdateImageCache call at
all, is declared once with each input (``model.Api``: ``replace`` says why the API
cannot change it in place; inputs without an API name, such as ``timeout``, only
change how Pulumi waits). This module adds how each input is compared and described
(``COMPARE``), and turns a plan into the engine's per-property diff
(``property_diff_kinds``: ADD / DELETE / UPDATE, ``_REPLACE`` where the change replaces
the cache), which both engine faces hand over so ``pulumi preview --diff`` says
exactly what is updated in place and what replaced. Every change also carries a
sentence, listed under the resource during the preview.

Comparisons are semantic, so rewriting an input the same way never rebuilds a cache:
images compare canonically and in any order, tags and annotations as maps,
credentials, ACR instances, registry lists and vSwitch ids in any order; an input
absent on one side and empty (or at its API default) on the other is equal; an absent
``region`` is the provider's. A value still unknown at preview counts as a change.
Replacements create the new cache before deleting the old one
(``DiffPlan.delete_before_replace`` is False), so the old cache serves until the new
one is Ready. Registry passwords never appear in a reason. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .declaration import api_of
from .images import canonical_or_raw
from .model import DEFAULT_TIMEOUT, INPUT_FIELDS, ImageCacheSpec
from .naming import SNAKE, Naming
from .validators import canonical_host, parse_duration
from .values import as_written, contains_unknown, is_empty

__all__ = [
    "COMPARE",
    "DiffPlan",
    "FieldRule",
    "PropertyChange",
    "moved",
    "plan_diff",
    "property_diff_kinds",
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
    # The replacement is Ready before the old cache is deleted.
    delete_before_replace: bool = False

    @property
    def replaces(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.changes if c.kind == "replace")

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def api_changes(self) -> tuple[str, ...]:
        """The changes that need an UpdateImageCache call (a broken status among them)."""
        return tuple(c.name for c in self.changes if c.name not in _API or _API[c.name].name)


# ---------------------------------------------------------------------------
# Normal forms: equal normal forms mean "no change". None stands for "not set".


def _scalar(default: Any = None) -> Callable[[Any], Any]:
    """The value itself; absent, empty and the API's own default are all "not set"."""

    def key(value: Any) -> Any:
        if is_empty(value) or (default is not None and value == default):
            return None
        return value

    return key


def _images_key(value: Any) -> Any:
    if is_empty(value):
        return None
    return tuple(sorted(str(canonical_or_raw(ref)) for ref in value))


def _vswitch_key(value: Any) -> Any:
    if is_empty(value):
        return None
    if not isinstance(value, str):
        return value
    return frozenset(part.strip() for part in value.split(",") if part.strip()) or None


def _map_key(value: Any) -> Any:
    return None if is_empty(value) else dict(value)


def _hosts_key(value: Any) -> Any:
    if is_empty(value):
        return None
    return tuple(sorted(str(canonical_host(host)) for host in value))


def _credentials_key(value: Any) -> Any:
    return None if is_empty(value) else tuple(sorted(_credential_map(value).items()))


def _acr_key(value: Any) -> Any:
    return None if is_empty(value) else tuple(sorted(_acr_map(value).items()))


def _timeout_key(value: Any) -> Any:
    text = DEFAULT_TIMEOUT if is_empty(value) else value
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
    if is_empty(value):
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
    was = DEFAULT_TIMEOUT if is_empty(old) else old
    now = DEFAULT_TIMEOUT if is_empty(new) else new
    return (
        f"{name} changes from {_show(was)} to {_show(now)} (only how long Pulumi waits "
        "for the cache; no API call)"
    )


def _names_key(value: Any) -> Any:
    return None if is_empty(value) else frozenset(str(v) for v in value)


def _describe_silence(name: str, old: Any, new: Any) -> str:
    was = sorted(_names_key(old) or ())
    now = sorted(_names_key(new) or ())
    return (
        f"{name} changes from {_show(was)} to {_show(now)} (only what a preview advises; "
        "no API call)"
    )


def _describe_adoption(name: str, old: Any, new: Any) -> str:
    return f"{_describe_scalar(name, old, new)} (only read when the cache is created; no API call)"


def _describe_map(name: str, old: Any, new: Any) -> str:
    """``+ k=v, - k, k: "a" -> "b"`` for tags and annotations."""
    before, after = dict(old or {}), dict(new or {})
    parts = [f"+ {k}={after[k]}" for k in sorted(after.keys() - before.keys())]
    parts += [f"- {k}" for k in sorted(before.keys() - after.keys())]
    parts += [
        f"{k}: {_show(before[k])} -> {_show(after[k])}"
        for k in sorted(before.keys() & after.keys())
        if before[k] != after[k]
    ]
    return f"{name}: {', '.join(parts)}"


# ---------------------------------------------------------------------------
# How each input is compared and described (the rest: as plain values)


@dataclass(frozen=True)
class FieldRule:
    """How one input is compared and described: ``key`` maps a value to a normal form
    (None = not set), ``describe`` says what changed."""

    key: Callable[[Any], Any]
    describe: Callable[[str, Any, Any], str] = _describe_scalar


COMPARE: Mapping[str, FieldRule] = {
    "images": FieldRule(_images_key, _describe_images),
    "vswitch_id": FieldRule(_vswitch_key, _describe_vswitches),
    "image_registry_credentials": FieldRule(_credentials_key, _describe_credentials),
    "acr_registry_infos": FieldRule(_acr_key, _describe_acr),
    "tags": FieldRule(_map_key, _describe_map),
    "annotations": FieldRule(_map_key, _describe_map),
    "insecure_registries": FieldRule(_hosts_key, _describe_hosts),
    "plain_http_registries": FieldRule(_hosts_key, _describe_hosts),
    "timeout": FieldRule(_timeout_key, _describe_timeout),
    "adopt_image_cache_id": FieldRule(_scalar(), _describe_adoption),
    "silence_advice": FieldRule(_names_key, _describe_silence),
}

_API = {name: api_of(info) for name, info in ImageCacheSpec.model_fields.items()}
_RULES: Mapping[str, FieldRule] = {
    name: COMPARE.get(name) or FieldRule(_scalar(default=_API[name].default))
    for name in INPUT_FIELDS
}

if not set(COMPARE) <= set(INPUT_FIELDS):  # pragma: no cover - a programming error
    raise AssertionError("COMPARE names only inputs of ImageCacheSpec")


# What a refreshed cache's status demands, even when no input changed: a Failed cache
# is useless and will be removed by the service, so it is rebuilt as a new one; a
# cache whose last update failed gets the desired spec sent again.
BROKEN_STATUS: Mapping[str, tuple[ChangeKind, str]] = {
    "Failed": ("replace", "the cache's build failed, so a new one is built in its place"),
    "UpdateFailed": ("update", "the cache's last update failed, so the spec is sent again"),
}


def _sides(
    name: str, olds: Mapping[str, Any], news: Mapping[str, Any], region: str | None
) -> tuple[Any, Any]:
    """The old and new value of one input; an absent ``region`` is the provider's (and
    a stack made before ``region`` existed says where its cache is in ``region_id``)."""
    if name != "region":
        return olds.get(name), news.get(name)
    old = olds.get("region") or olds.get("region_id")
    new = news.get("region") or region
    return (old, new) if old and new else (None, None)


def plan_diff(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    naming: Naming = SNAKE,
    region: str | None = None,
    account: str | None = None,
) -> DiffPlan:
    """Compare the old outputs (which hold the old normalised inputs) with the new checked
    inputs. Computed outputs (``progress``, ``events``, ...) are not inputs and are
    ignored, except a ``status`` that says the cache is broken (``BROKEN_STATUS``), and
    an ``account_id`` other than the ``account`` the provider now acts in (``moved``).
    ``region`` is the provider's, for resources that do not name one; reasons name
    inputs as ``naming`` spells them."""
    changes: list[PropertyChange] = []
    move = moved(olds, account)
    if move is not None:
        changes.append(move)
    broken = BROKEN_STATUS.get(str(olds.get("status")))
    if broken is not None:
        changes.append(
            PropertyChange("status", broken[0], f"status is {olds['status']}: {broken[1]}")
        )
    for name in INPUT_FIELDS:
        rule, shown = _RULES[name], naming.show(name)
        old, new = _sides(name, olds, news, region)
        if contains_unknown(new) or contains_unknown(old):
            what = f"{shown} is not known until other resources are updated, so it may change"
        elif rule.key(old) != rule.key(new):
            what = rule.describe(shown, old, new)
        else:
            continue
        replace = _API[name].replace
        if replace:
            what = f"{what}: {replace}, so it is replaced"
        changes.append(PropertyChange(name, "replace" if replace else "update", what))
    return DiffPlan(tuple(changes))


def moved(olds: Mapping[str, Any], account: str | None) -> PropertyChange | None:
    """The provider now acts in another account than the cache is in: a new cache is
    built there, and this one is left where it is, untouched (the provider no longer
    acts in its account, and never takes or deletes what it cannot be sure is its own)."""
    old = olds.get("account_id")
    if not old or not account or old == account:
        return None
    cache = olds.get("image_cache_id") or "the cache"
    return PropertyChange(
        "account_id",
        "replace",
        f"the provider now acts in account {account}, and {cache} is in account {old}: "
        f"a new cache is built in {account}; {cache} is left in account {old}, not deleted "
        f"(delete it there if unused, or move the provider back to keep it)",
    )


def property_diff_kinds(
    plan: DiffPlan, olds: Mapping[str, Any], news: Mapping[str, Any]
) -> dict[str, str]:
    """``{"images": "UPDATE", "zone_id": "ADD_REPLACE", ...}``: the engine's kind names
    for each changed property (``status`` is an output; the rest are inputs)."""
    kinds = {}
    for change in plan.changes:
        if change.name not in _API or change.name == "region":  # a status; a region moves
            base = "UPDATE"
        elif is_empty(olds.get(change.name)):
            base = "ADD"
        elif is_empty(news.get(change.name)):
            base = "DELETE"
        else:
            base = "UPDATE"
        kinds[change.name] = base + ("_REPLACE" if change.kind == "replace" else "")
    return kinds
