"""The rules of single inputs that constraints cannot express, and their limits.

Images (a tag or a digest, each image once), registry hosts, vSwitch ids, tags (the
key reserved for crash recovery refused), annotations (Kubernetes' keys and sizes),
durations (``"90m"``), registry lists, and whole numbers sent as doubles. Each raises
``ValueError`` stating what is allowed; the failure formatter (messages.py) adds the
input's path and the offending value. Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, SecretStr

from .images import canonical_image, canonical_or_raw
from .values import as_written

__all__ = [
    "ANNOTATIONS_MAX_BYTES",
    "CACHE_ID_PATTERN",
    "FORBIDDEN_TAG_PREFIXES",
    "MAX_ACR_INSTANCES",
    "MAX_CREDENTIALS",
    "MAX_IMAGES",
    "MAX_TAGS",
    "MAX_VSWITCHES",
    "NAME_PATTERN",
    "REGION_PATTERN",
    "RESERVED_TAG_KEY_PREFIXES",
    "TAG_KEY_MAX",
    "TAG_VALUE_MAX",
    "WHOLE",
    "ImageRef",
    "NonEmptyStr",
    "RegistryHost",
    "annotation_map",
    "canonical_host",
    "count_of",
    "credential_servers",
    "image_list",
    "not_empty",
    "parse_duration",
    "password_given",
    "registry_host",
    "registry_list",
    "tag_map",
    "timeout_text",
    "valid_host",
    "valid_image",
    "vswitch_ids",
    "whole_number",
]


MAX_IMAGES = 20
MAX_CREDENTIALS = 10
MAX_VSWITCHES = 10
MAX_ACR_INSTANCES = 10
# The API takes 20; one is reserved for the tag that finds a cache after a crash.
MAX_TAGS = 19
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 128
RESERVED_TAG_KEY_PREFIXES = ("aliyun", "acs:", "pulumi-eci-cache-")
FORBIDDEN_TAG_PREFIXES = ("http://", "https://")
# Kubernetes' limits for annotations, which is what the service's annotations are.
ANNOTATIONS_MAX_BYTES = 256 * 1024

# The documented rule for ImageCacheName is only "lowercase letters, digits and -";
# the length (2..128) and "start and end with a letter or digit" are ECI's rule for
# the names of its other resources (container groups), kept here so that no name we
# accept can be refused by the service.
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
CACHE_ID_PATTERN = r"^imc-[a-z0-9]+$"
REGION_PATTERN = r"^[a-z]+(-[a-z0-9]+)+$"
_VSWITCH_RE = re.compile(r"vsw-[a-z0-9]+")
_DURATION_RE = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_HOST_RE = re.compile(
    r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
    r"|\[[a-fA-F0-9:]+\])"
    r"(?::([0-9]{1,5}))?"
)
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_ANNOTATION_PREFIX_RE = re.compile(rf"(?=.{{1,253}}$){_DNS_LABEL}(\.{_DNS_LABEL})*")
_ANNOTATION_NAME_RE = re.compile(r"(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")


# ---------------------------------------------------------------------------
# Value rules that constraints cannot express: each raises ValueError stating what
# is allowed; the failure formatter adds the input's path and the offending value.


def whole_number(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def count_of(noun: str, limit: int, why: str = "") -> BeforeValidator:
    """At most ``limit`` entries, said with the field's own noun (and why the limit)."""

    def check(value: object) -> object:
        if isinstance(value, (list, tuple, Mapping)) and len(value) > limit:
            reason = f" ({why})" if why else ""
            raise ValueError(f"has {len(value)} {noun}; at most {limit} are allowed{reason}")
        return value

    return BeforeValidator(check)


def image_list(value: object) -> object:
    """Count and duplicates, judged on canonical forms; each item is checked after."""
    if not isinstance(value, (list, tuple)):
        return value
    if not 1 <= len(value) <= MAX_IMAGES:
        raise ValueError(f"has {len(value)} images; an image cache holds 1 to {MAX_IMAGES}")
    seen: dict[object, int] = {}
    for index, ref in enumerate(value):
        key = canonical_or_raw(ref)
        if not isinstance(key, str):
            continue
        if key in seen:
            first = seen[key]
            raise ValueError(
                f"images[{first}] ({json.dumps(value[first])}) and images[{index}] "
                f"({json.dumps(ref)}) are the same image, {key}; list each image once"
            )
        seen[key] = index
    return value


def vswitch_ids(value: str) -> str:
    ids = [part.strip() for part in value.split(",")]
    if any(not part for part in ids):
        raise ValueError('must be vSwitch ids ("vsw-...") separated by commas, with no empty item')
    for part in ids:
        if not _VSWITCH_RE.fullmatch(part):
            raise ValueError(
                f'"{part}" is not a vSwitch id: expected "vsw-" followed by lowercase '
                "letters and digits"
            )
    if len(ids) > MAX_VSWITCHES:
        raise ValueError(f"names {len(ids)} vSwitches; at most {MAX_VSWITCHES} are allowed")
    duplicates = sorted({part for part in ids if ids.count(part) > 1})
    if duplicates:
        raise ValueError(f"names {', '.join(duplicates)} more than once; list each vSwitch once")
    return ",".join(ids)


def registry_host(value: str) -> str:
    """A registry address as ``host[:port]`` (lower-cased host); ValueError if not."""
    if "://" in value:
        scheme = value.split("://", 1)[0]
        bare = value.split("://", 1)[1].rstrip("/")
        raise ValueError(
            f'must not have a scheme: write "{bare}" rather than "{scheme}://{bare}" (host[:port])'
        )
    match = _HOST_RE.fullmatch(value)
    if not match:
        raise ValueError(
            'must be a registry address host[:port], e.g. "registry.example.com" or '
            '"10.0.0.5:5000", with no path'
        )
    port = match.group(1)
    if port is not None and not 1 <= int(port) <= 65535:
        raise ValueError(f"port {port} is out of range: a port is 1 to 65535")
    return value.lower()


def canonical_host(value: object) -> object:
    """``registry_host(value)`` when valid, else ``value`` unchanged (never raises)."""
    if isinstance(value, str):
        try:
            return registry_host(value)
        except ValueError:
            return value
    return value


def registry_list(value: object) -> object:
    if isinstance(value, (list, tuple)):
        hosts = [canonical_host(v) for v in value]
        duplicates = sorted({h for h in hosts if isinstance(h, str) and hosts.count(h) > 1})
        if duplicates:
            raise ValueError(
                f"names {', '.join(duplicates)} more than once; list each registry once"
            )
    return value


def not_empty(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def password_given(value: SecretStr) -> SecretStr:
    if not value.get_secret_value():
        raise ValueError("must not be empty")
    return value


def credential_servers(value: object) -> object:
    if isinstance(value, (list, tuple)):
        servers = [
            canonical_host(entry.get("server")) for entry in value if isinstance(entry, Mapping)
        ]
        duplicates = sorted({s for s in servers if isinstance(s, str) and servers.count(s) > 1})
        if duplicates:
            raise ValueError(
                f"has more than one credential for {', '.join(duplicates)}; "
                "give each registry server one credential"
            )
    return value


def tag_map(value: object) -> object:
    if not isinstance(value, Mapping):
        raise ValueError("must be a map of tag keys to tag values (strings)")
    for key, tag_value in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX:
            raise ValueError(
                f"tag key {json.dumps(as_written(key))} must be 1 to {TAG_KEY_MAX} characters"
            )
        lowered = key.lower()
        for prefix in RESERVED_TAG_KEY_PREFIXES:
            if lowered.startswith(prefix):
                owner = "pulumi-eci-cache" if prefix.startswith("pulumi") else "Alibaba Cloud"
                raise ValueError(
                    f'tag key "{key}" starts with "{prefix}", which {owner} reserves '
                    "for its own tags"
                )
        for prefix in FORBIDDEN_TAG_PREFIXES:
            if lowered.startswith(prefix):
                raise ValueError(f'tag key "{key}" must not start with "{prefix}"')
        if not isinstance(tag_value, str):
            raise ValueError(
                f'tag "{key}" has value {json.dumps(as_written(tag_value))}: '
                "tag values must be strings"
            )
        if len(tag_value) > TAG_VALUE_MAX:
            raise ValueError(
                f'tag "{key}" has a value of {len(tag_value)} characters; '
                f"at most {TAG_VALUE_MAX} are allowed"
            )
        for prefix in FORBIDDEN_TAG_PREFIXES:
            if tag_value.lower().startswith(prefix):
                raise ValueError(
                    f'tag "{key}" has value "{tag_value}": tag values must not start '
                    f'with "{prefix}"'
                )
    return value


def annotation_map(value: object) -> object:
    """Kubernetes' rules for annotation keys (the service's annotations are theirs)."""
    if not isinstance(value, Mapping):
        raise ValueError("must be a map of annotation keys to values (strings)")
    for key, text in value.items():
        if not isinstance(key, str) or not _annotation_key_ok(key):
            raise ValueError(
                f"annotation key {json.dumps(as_written(key))} must be a name of at most 63 "
                "letters, digits, '-', '_' and '.' (starting and ending with a letter or "
                'digit), optionally after a DNS-subdomain prefix and "/", e.g. '
                '"example.com/team"'
            )
        if not isinstance(text, str):
            raise ValueError(
                f'annotation "{key}" has value {json.dumps(as_written(text))}: '
                "annotation values must be strings"
            )
    size = sum(len(k.encode()) + len(str(v).encode()) for k, v in value.items())
    if size > ANNOTATIONS_MAX_BYTES:
        raise ValueError(
            f"has {size} bytes of keys and values; at most {ANNOTATIONS_MAX_BYTES} are allowed"
        )
    return value


def _annotation_key_ok(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and not _ANNOTATION_PREFIX_RE.fullmatch(prefix):
        return False
    return bool(_ANNOTATION_NAME_RE.fullmatch(name))


def parse_duration(text: str) -> int:
    """Seconds in a duration such as ``"90s"``, ``"10m"``, ``"1h30m"``; ValueError if not
    a positive duration in that form."""
    match = _DURATION_RE.fullmatch(text)
    if not text or not match:
        raise ValueError(
            'must be a duration of whole hours, minutes and seconds such as "90s", "10m" or "1h30m"'
        )
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise ValueError("must be longer than zero")
    return total


def timeout_text(value: str) -> str:
    parse_duration(value)
    return value


def valid_image(value: str) -> str:
    """A valid image reference, kept exactly as written (the canonical form is for
    comparing only: the service matches pods to caches on the references themselves)."""
    canonical_image(value)
    return value


def valid_host(value: str) -> str:
    """A valid registry address, kept exactly as written (see ``valid_image``)."""
    registry_host(value)
    return value


# Constraints first, the float-to-int step around them, so the JSON schema keeps them.
WHOLE = BeforeValidator(whole_number)
ImageRef = Annotated[str, AfterValidator(valid_image)]
RegistryHost = Annotated[str, AfterValidator(valid_host)]
NonEmptyStr = Annotated[str, AfterValidator(not_empty)]
