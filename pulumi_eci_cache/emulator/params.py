"""The wire grammar of the four image-cache actions: which names exist, and their ranges.

The emulator is deliberately stricter than the real service, so that a client bug (a
misspelt flattened name, a boolean sent as ``True``, a size out of range) fails in
tests instead of being silently ignored in production. This module turns the flat
query parameters of one action into the API spec dict of docs/architecture.md
(contract 1: ``Images``, ``Tags``, ``ImageRegistryCredentials``, ``AcrRegistryInfos``
...) or raises ``InvalidParameter.<Kind>`` / ``MissingParameter.<Name>`` naming the
parameter and the value. Pure: no I/O, no backend.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from .exceptions import InvalidParameter, MissingParameter

__all__ = ["ACTIONS", "COMMON_PARAMS", "missing_parameter", "parse_action_params"]

# Sent by every RPC client (signature v1.0) plus the owner fields every SDK request has.
COMMON_PARAMS = frozenset(
    {
        "Action",
        "Version",
        "Format",
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "SignatureType",
        "Timestamp",
        "RegionId",
        "SecurityToken",
        "ResourceOwnerId",
        "ResourceOwnerAccount",
        "OwnerAccount",
        "OwnerId",
    }
)

_SPEC_SCALARS = {
    "ImageCacheName": "name",
    "SecurityGroupId": "str",
    "VSwitchId": "vswitches",
    "EipInstanceId": "str",
    "ImageCacheSize": "size",
    "RetentionDays": "days",
    "ResourceGroupId": "str",
    "AutoMatchImageCache": "bool",
    "Flash": "bool",
    "FlashCopyCount": "count",
    "StandardCopyCount": "count",
    "EliminationStrategy": "strategy",
    "ClientToken": "token",
}
# Only CreateImageCache takes these (UpdateImageCacheRequest has none of them):
# changing them means replacing the cache. ``Annotations`` is in the current SDK's
# CreateImageCacheRequest only (alibabacloud-eci20180808; the legacy aliyunsdkeci
# request class has none).
_CREATE_ONLY = {
    "ZoneId": "str",
    "InsecureRegistry": "str",
    "PlainHttpRegistry": "str",
    "OsType": "str",
    "Annotations": "annotations",
}
_DESCRIBE_SCALARS = {
    "ImageCacheId": "str",
    "ImageCacheName": "str",
    "SnapshotId": "str",
    "Image": "str",
    "ResourceGroupId": "str",
    "ImageFullMatch": "bool",
    "ImageMatchCountRequest": "count",
    "Limit": "limit",
    "NextToken": "str",
}

# Flattened lists: spec key, wire prefix, sub-fields (None: the item is a plain value),
# maximum number of items.
_LIST_IMAGES = ("Images", "Image", None, 20)
_LIST_CREDENTIALS = (
    "ImageRegistryCredentials",
    "ImageRegistryCredential",
    ("Server", "UserName", "Password"),
    10,
)
_LIST_ACR = ("AcrRegistryInfos", "AcrRegistryInfo", ("InstanceId", "InstanceName", "RegionId"), 10)
_LIST_TAGS = ("Tags", "Tag", ("Key", "Value"), 20)
_LIST_MATCH = ("MatchImages", "MatchImage", None, 20)

ListSpec = tuple[str, str, "tuple[str, ...] | None", int]

ACTIONS: dict[str, dict[str, Any]] = {
    "CreateImageCache": {
        "scalars": {**_SPEC_SCALARS, **_CREATE_ONLY},
        "lists": (_LIST_IMAGES, _LIST_CREDENTIALS, _LIST_ACR, _LIST_TAGS),
        "required": ("ImageCacheName", "Image.1"),
    },
    "UpdateImageCache": {
        "scalars": {"ImageCacheId": "str", **_SPEC_SCALARS},
        "lists": (_LIST_IMAGES, _LIST_CREDENTIALS, _LIST_ACR, _LIST_TAGS),
        "required": ("ImageCacheId",),
    },
    "DescribeImageCaches": {
        "scalars": _DESCRIBE_SCALARS,
        "lists": (_LIST_TAGS, _LIST_MATCH),
        "required": (),
    },
    "DeleteImageCache": {
        "scalars": {"ImageCacheId": "str", "ClientToken": "token"},
        "lists": (),
        "required": ("ImageCacheId",),
    },
}

# Names a buggy client is known to send, with the name it meant.
_KNOWN_MISSPELLINGS = (
    (re.compile(r"^AcrRegistryInfo\.(\d+)Domain\.(\d+)$"), r"AcrRegistryInfo.\1.Domain.\2"),
)


def _bad(kind: str, name: str, value: str, why: str) -> InvalidParameter:
    return InvalidParameter(f"The parameter {name} has an invalid value {value!r}: {why}.", kind)


def _integer(name: str, value: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[0-9]{1,12}", value):
        raise _bad("Format", name, value, "expected a decimal integer")
    number = int(value)
    if not low <= number <= high:
        raise _bad("OutOfRange", name, value, f"expected {low}..{high}")
    return number


def _boolean(name: str, value: str) -> bool:
    # Case-insensitive, as the service parses it: Alibaba's current SDK sends Python's
    # ``True``/``False``. Anything else (``1``, ``yes``) is still refused.
    if value.lower() not in ("true", "false"):
        raise _bad("Format", name, value, "expected 'true' or 'false'")
    return value.lower() == "true"


def _text(name: str, value: str) -> str:
    if value == "":
        raise _bad("Format", name, value, "must not be empty")
    return value


def _token(name: str, value: str) -> str:
    if not value.isascii() or not value.isprintable() or not 0 < len(value) <= 64:
        raise _bad("Format", name, value, "expected 1..64 printable ASCII characters")
    return value


def _vswitches(name: str, value: str) -> str:
    ids = value.split(",")
    if len(ids) > 10:
        raise _bad("TooMany", name, value, "at most 10 comma-separated vSwitch ids")
    if any(not i.strip() for i in ids):
        raise _bad("Format", name, value, "empty vSwitch id in the list")
    return value


def _name(name: str, value: str) -> str:
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?", value):
        raise _bad(
            "Format",
            name,
            value,
            "expected 1..128 lowercase letters, digits and '-', not starting or ending with '-'",
        )
    return value


def _strategy(name: str, value: str) -> str:
    if value not in ("", "LRU"):
        raise _bad("Format", name, value, "expected '' or 'LRU'")
    return value


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (``json`` would keep the last one)."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKey(f"the key {key!r} is given more than once")
        seen.add(key)
    return dict(pairs)


def _annotations(name: str, value: str) -> str:
    """A JSON object of string keys to string values, kept as the text sent: those
    bytes are what the service stores, so tests compare them as the client wrote them."""
    shape = "expected a JSON object of string keys to string values"
    try:
        parsed = json.loads(value, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise _bad("Format", name, value, str(exc)) from exc
    except ValueError as exc:
        raise _bad("Format", name, value, shape) from exc
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise _bad("Format", name, value, shape)
    return value


_CONVERTERS: dict[str, Callable[[str, str], Any]] = {
    "str": _text,
    "name": _name,
    "token": _token,
    "bool": _boolean,
    "vswitches": _vswitches,
    "strategy": _strategy,
    "annotations": _annotations,
    "size": lambda n, v: _integer(n, v, 20, 32768),
    "days": lambda n, v: _integer(n, v, 1, 65536),
    "count": lambda n, v: _integer(n, v, 1, 1_000_000),
    "limit": lambda n, v: _integer(n, v, 1, 100),
}


def missing_parameter(name: str) -> MissingParameter:
    return MissingParameter(
        f"The input parameter {name} that is mandatory for processing this request "
        "is not supplied.",
        name,
    )


def _unsupported(action: str, name: str) -> InvalidParameter:
    hint = ""
    for pattern, meant in _KNOWN_MISSPELLINGS:
        if pattern.match(name):
            hint = f" (did you mean {pattern.sub(meant, name)}?)"
    return InvalidParameter(f"{name} is not a parameter of {action}{hint}.", "Unsupported")


def _index(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[1-9][0-9]{0,3}", text) else None


def _list_items(
    action: str, spec: ListSpec, params: Mapping[str, str], taken: set[str]
) -> list[Any]:
    """Collect ``Prefix.N`` or ``Prefix.N.Field`` (and ``AcrRegistryInfo.N.Domain.M``)."""
    key, prefix, fields, limit = spec
    items: dict[int, Any] = {}
    for name, value in params.items():
        parts = name.split(".")
        if parts[0] != prefix or len(parts) < 2 or (index := _index(parts[1])) is None:
            continue
        rest = parts[2:]
        if fields is None and not rest:
            items[index] = _text(name, value)
        elif fields is not None and len(rest) == 1 and rest[0] in fields:
            items.setdefault(index, {})[rest[0]] = _text(name, value)
        elif (
            key == "AcrRegistryInfos"
            and len(rest) == 2
            and rest[0] == "Domain"
            and ((sub := _index(rest[1])) is not None)
        ):
            items.setdefault(index, {}).setdefault("Domains", {})[sub] = _text(name, value)
        else:
            raise _unsupported(action, name)
        taken.add(name)
    if len(items) > limit or any(i > limit for i in items):
        raise InvalidParameter(
            f"At most {limit} {prefix}.N may be given, got {len(items)}.", "TooMany"
        )
    _require_contiguous(prefix, items)
    return [items[i] for i in sorted(items)]


def _require_contiguous(prefix: str, items: Mapping[int, Any]) -> None:
    for expected in range(1, len(items) + 1):
        if expected not in items:
            raise missing_parameter(f"{prefix}.{expected}")


# Fields each entry of a structured list must carry.
_NEEDED = {
    "ImageRegistryCredentials": ("Server", "UserName", "Password"),
    "AcrRegistryInfos": ("InstanceId",),
    "Tags": ("Key",),
}


def _check_items(spec: ListSpec, items: list[Any]) -> list[Any]:
    """Per-entry rules of the flattened lists; returns them in spec shape."""
    key, prefix, fields, _ = spec
    for n, item in enumerate(items, start=1):
        if fields is None:
            _check_image(f"{prefix}.{n}", item)
            continue
        for field in _NEEDED[key]:
            if field not in item:
                raise missing_parameter(f"{prefix}.{n}.{field}")
        if "://" in item.get("Server", ""):
            raise _bad(
                "Format",
                f"{prefix}.{n}.Server",
                item["Server"],
                "the registry address takes no scheme",
            )
        if "Domains" in item:
            _require_contiguous(f"{prefix}.{n}.Domain", item["Domains"])
            item["Domains"] = [item["Domains"][i] for i in sorted(item["Domains"])]
    return items


def _check_image(name: str, image: str) -> None:
    last = image.rsplit("/", 1)[-1]
    if any(c.isspace() for c in image) or not ("@" in last or ":" in last):
        raise _bad("Format", name, image, "an image reference needs a tag or a digest")


def parse_action_params(action: str, params: Mapping[str, str]) -> dict[str, Any]:
    """The action's own parameters as a spec dict; raises on any wire-level mistake."""
    table = ACTIONS[action]
    taken = set(COMMON_PARAMS)
    spec: dict[str, Any] = {}
    for list_spec in table["lists"]:
        items = _list_items(action, list_spec, params, taken)
        if items:
            spec[list_spec[0]] = _check_items(list_spec, items)
    for name, value in params.items():
        if name in taken:
            continue
        kind = table["scalars"].get(name)
        if kind is None:
            raise _unsupported(action, name)
        spec[name] = _CONVERTERS[kind](name, value)
    for name in table["required"]:
        if name not in params:
            raise missing_parameter(name)
    return spec
