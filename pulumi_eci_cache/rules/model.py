"""The ImageCache inputs: one declaration per field, and their validation.

Each input is declared once, in ``ImageCacheSpec``: its type and native pydantic
constraints (``Field(ge=..., le=...)``, ``min_length``, ``pattern``, ``Literal``), a
description, and an ``Api`` annotation that says where it goes in the ECI API, whether
UpdateImageCache can change it (else a change replaces the cache, and why), the API's
own default, whether DescribeImageCaches shows it, and in words the part of its rule
that the constraints cannot say. That one declaration feeds validation (here), the
diff rules (diff.py), the API request and the read-back (api.py), the plugin's schema
and the "allowed" sentence of every description and message (``allowed``).

Everything a user can get wrong is caught here, at ``pulumi preview``, with a message
that names the input (with its index inside a list), shows the offending value and says
what is allowed. Registry passwords are never shown (``<secret>``). Names are shown the
way the user's language spells them (``Naming``: ``image_cache_size`` in Python,
``imageCacheSize`` in YAML, TypeScript and Go).

- ``check_inputs`` is the provider's ``check``: it validates each input on its own, so
  one bad input does not hide the others, lets values that are still unknown at preview
  pass (``UNKNOWN``: each engine face turns its wire's unknowns into it), and returns
  the normalised inputs to store (images, registry addresses and annotations exactly as
  written -- canonical forms are for comparing only --, vSwitch ids without blanks, the
  ``timeout`` default filled in, other defaults left out).
- ``spec_from_inputs`` is for create and update, where every value is known.

Numbers arrive from the engine as floats (protobuf ``Struct`` has only doubles), so the
integer inputs accept whole floats such as ``20.0`` but never booleans or strings, and
every value shown to a person goes through ``as_written`` (``20.0`` is shown ``20``).
Pure: no I/O.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Literal, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    TypeAdapter,
    ValidationError,
)
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from . import secrets
from .images import canonical_image, canonical_or_raw
from .roles import AssumeRole
from .wording import constraints_of, rule_words

__all__ = [
    "CAMEL",
    "DEFAULT_TIMEOUT",
    "INPUT_FIELDS",
    "REGION_PATTERN",
    "REQUIRED_FIELDS",
    "SNAKE",
    "UNKNOWN",
    "AcrRegistryInfo",
    "Api",
    "CheckFailureInfo",
    "CheckOutcome",
    "Doc",
    "ImageCacheSpec",
    "InvalidInputsError",
    "Naming",
    "RegistryCredential",
    "allowed",
    "api_of",
    "as_written",
    "canonical_host",
    "check_inputs",
    "contains_unknown",
    "describe",
    "is_unknown",
    "parse_duration",
    "registry_host",
    "spec_from_inputs",
]

DEFAULT_TIMEOUT = "60m"
SECRET = "<secret>"

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
_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
_CACHE_ID_PATTERN = r"^imc-[a-z0-9]+$"
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
# What each input is to the API (one annotation per field)

Wire = Literal["as_is", "comma", "tags", "json"]


@dataclass(frozen=True)
class Api:
    """Where an input goes in the ECI API and how a change to it is applied.

    ``name`` is the API parameter (Contract 1 key), None for inputs that only steer the
    provider; ``wire`` how the value is written there (``comma``: a list joined with
    commas; ``tags``: a map as ``[{"Key", "Value"}]``; ``json``: a map as JSON text);
    ``replace`` says, when UpdateImageCache cannot change it, why a change replaces the
    cache; ``default`` is the API's own value when the input is not set (an unset
    input is sent as it on update, and equals it in a diff); ``read_back`` means
    DescribeImageCaches shows it under ``name``, so refresh sees drift; ``rule`` says
    in words what the constraints cannot (a pattern's meaning); ``unit`` follows
    numbers in messages.
    """

    name: str | None = None
    wire: Wire = "as_is"
    replace: str = ""
    default: Any = None
    read_back: bool = False
    rule: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Doc:
    """What a function parameter is, for the schema (``Annotated[str | None, Doc(...)]``)."""

    text: str


def api_of(info: FieldInfo) -> Api:
    """The ``Api`` annotation of a model field (every field has one)."""
    for item in info.metadata:
        if isinstance(item, Api):
            return item
    return Api()


# ---------------------------------------------------------------------------
# How a face spells names


@dataclass(frozen=True)
class Naming:
    """How the user's language spells input names: the Python face keeps the model's
    snake_case, the plugin's schema (YAML, TypeScript, Go) uses camelCase."""

    show: Callable[[str], str]

    def path(self, name: str, loc: Sequence[int | str] = ()) -> str:
        text = self.show(name)
        for part in loc:
            text += f"[{part}]" if isinstance(part, int) else f".{self.show(str(part))}"
        return text


SNAKE = Naming(lambda name: name)
CAMEL = Naming(to_camel)


# ---------------------------------------------------------------------------
# Unknown values (preview)


class _Unknown:
    """A value the engine does not know yet (preview); each face maps its wire's form here."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def is_unknown(value: object) -> bool:
    """Whether ``value`` is a value the engine does not know yet (at preview)."""
    return value is UNKNOWN


def contains_unknown(value: object) -> bool:
    """Whether ``value`` is unknown or holds an unknown anywhere inside it."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(k) or contains_unknown(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


# ---------------------------------------------------------------------------
# Value rules that constraints cannot express: each raises ValueError stating what
# is allowed; the failure formatter adds the input's path and the offending value.


def _whole_number(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def _count(noun: str, limit: int, why: str = "") -> BeforeValidator:
    """At most ``limit`` entries, said with the field's own noun (and why the limit)."""

    def check(value: object) -> object:
        if isinstance(value, (list, tuple, Mapping)) and len(value) > limit:
            reason = f" ({why})" if why else ""
            raise ValueError(f"has {len(value)} {noun}; at most {limit} are allowed{reason}")
        return value

    return BeforeValidator(check)


def _image_list(value: object) -> object:
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


def _vswitch_ids(value: str) -> str:
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


def _registry_list(value: object) -> object:
    if isinstance(value, (list, tuple)):
        hosts = [canonical_host(v) for v in value]
        duplicates = sorted({h for h in hosts if isinstance(h, str) and hosts.count(h) > 1})
        if duplicates:
            raise ValueError(
                f"names {', '.join(duplicates)} more than once; list each registry once"
            )
    return value


def _not_empty(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _password(value: SecretStr) -> SecretStr:
    if not value.get_secret_value():
        raise ValueError("must not be empty")
    return value


def _credential_servers(value: object) -> object:
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


def _tags(value: object) -> object:
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


def _annotations(value: object) -> object:
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


def _timeout(value: str) -> str:
    parse_duration(value)
    return value


def _valid_image(value: str) -> str:
    """A valid image reference, kept exactly as written (the canonical form is for
    comparing only: the service matches pods to caches on the references themselves)."""
    canonical_image(value)
    return value


def _valid_host(value: str) -> str:
    """A valid registry address, kept exactly as written (see ``_valid_image``)."""
    registry_host(value)
    return value


# ---------------------------------------------------------------------------
# The model

# Constraints first, the float-to-int step around them, so the JSON schema keeps them.
_WHOLE = BeforeValidator(_whole_number)
ImageRef = Annotated[str, AfterValidator(_valid_image)]
RegistryHost = Annotated[str, AfterValidator(_valid_host)]
NonEmptyStr = Annotated[str, AfterValidator(_not_empty)]


class RegistryCredential(BaseModel):
    """User name and password for one private registry (``ImageRegistryCredential.N``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server: Annotated[RegistryHost, Api("Server")] = Field(
        description='The registry address, host[:port] without a scheme, e.g. "r.example.com".'
    )
    user_name: Annotated[NonEmptyStr, Api("UserName")] = Field(
        description="The registry user name (not empty)."
    )
    password: Annotated[SecretStr, AfterValidator(_password), Api("Password")] = Field(
        description="The registry password (a secret: never stored or shown in plaintext)."
    )


class AcrRegistryInfo(BaseModel):
    """An ACR Enterprise instance to pull from without a password (``AcrRegistryInfo.N``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instance_id: Annotated[NonEmptyStr, Api("InstanceId")] = Field(
        description='The ACR Enterprise instance id ("cri-...").'
    )
    instance_name: Annotated[str | None, Api("InstanceName")] = Field(
        default=None, description="The instance name."
    )
    region_id: Annotated[str | None, Api("RegionId")] = Field(
        default=None, description="The instance's region id."
    )
    domains: Annotated[list[RegistryHost] | None, Api("Domains")] = Field(
        default=None,
        description="The instance's custom domains (host[:port]); default: all of them.",
    )


@secrets.register
class ImageCacheSpec(BaseModel):
    """The validated inputs of one image cache (every field of CreateImageCache)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image_cache_name: Annotated[
        str,
        Field(min_length=2, max_length=128, pattern=_NAME_PATTERN),
        Api(
            "ImageCacheName",
            read_back=True,
            rule='lowercase letters, digits and "-", starting and ending with a letter or digit',
        ),
    ] = Field(description="The image cache's name.")
    images: Annotated[
        list[ImageRef],
        BeforeValidator(_image_list),
        Field(min_length=1, max_length=MAX_IMAGES),
        Api("Images", read_back=True, rule="each with a tag or a digest, each image once"),
    ] = Field(description="The container images to cache, as pods will name them.")
    security_group_id: Annotated[str | None, Api("SecurityGroupId")] = Field(
        default=None, description="The security group of the instance that builds the cache."
    )
    vswitch_id: Annotated[
        str | None,
        AfterValidator(_vswitch_ids),
        Api("VSwitchId", rule=f'up to {MAX_VSWITCHES} vSwitch ids ("vsw-..."), comma-separated'),
    ] = Field(
        default=None,
        description="The vSwitch of the instance that builds the cache; several for several zones.",
    )
    zone_id: Annotated[
        str | None, Api("ZoneId", replace="the ECI API cannot move a cache to another zone")
    ] = Field(default=None, description="The zone to build the cache in.")
    eip_instance_id: Annotated[str | None, Api("EipInstanceId")] = Field(
        default=None,
        description="An elastic IP for pulling public images without a NAT gateway.",
    )
    image_cache_size: Annotated[
        Annotated[int, Field(ge=20, le=32768), _WHOLE] | None,
        Api("ImageCacheSize", default=20, read_back=True, unit=" (GiB)"),
    ] = Field(default=None, description="The cache's size in GiB (the service's default: 20).")
    retention_days: Annotated[
        Annotated[int, Field(ge=1, le=65536), _WHOLE] | None,
        Api("RetentionDays", unit=" (days)"),
    ] = Field(default=None, description="How many days the cache is kept (default: forever).")
    resource_group_id: Annotated[str | None, Api("ResourceGroupId", read_back=True)] = Field(
        default=None, description="The resource group of the cache."
    )
    image_registry_credentials: Annotated[
        Annotated[list[RegistryCredential], Field(max_length=MAX_CREDENTIALS)] | None,
        _count("entries", MAX_CREDENTIALS),
        BeforeValidator(_credential_servers),
        Api("ImageRegistryCredentials", rule="one per registry server"),
    ] = Field(default=None, description="Logins for private registries (always secret).")
    acr_registry_infos: Annotated[
        Annotated[list[AcrRegistryInfo], Field(max_length=MAX_ACR_INSTANCES)] | None,
        Api("AcrRegistryInfos"),
    ] = Field(
        default=None,
        description="ACR Enterprise instances to pull from without a password.",
    )
    tags: Annotated[
        Annotated[dict[str, str], Field(max_length=MAX_TAGS)] | None,
        _count(
            "tags",
            MAX_TAGS,
            "the API takes 20 and pulumi-eci-cache keeps one for the tag that finds the "
            "cache after a crash",
        ),
        BeforeValidator(_tags),
        Api(
            "Tags",
            wire="tags",
            read_back=True,
            rule=f"keys of 1 to {TAG_KEY_MAX} characters, not starting with "
            f'"aliyun", "acs:" or "pulumi-eci-cache-"; values of at most {TAG_VALUE_MAX}',
        ),
    ] = Field(default=None, description="Tags of the cache.")
    auto_match_image_cache: Annotated[
        StrictBool | None, Api("AutoMatchImageCache", default=False)
    ] = Field(default=None, description="Reuse layers of existing caches while building.")
    flash: Annotated[StrictBool | None, Api("Flash", default=False)] = Field(
        default=None, description="Build an instant (flash) snapshot first (extra fee)."
    )
    flash_copy_count: Annotated[
        Annotated[int, Field(ge=1), _WHOLE] | None, Api("FlashCopyCount")
    ] = Field(default=None, description="How many flash snapshots to make.")
    standard_copy_count: Annotated[
        Annotated[int, Field(ge=1), _WHOLE] | None, Api("StandardCopyCount")
    ] = Field(default=None, description="How many standard snapshots to make.")
    elimination_strategy: Annotated[
        Literal["", "LRU"] | None,
        Api(
            "EliminationStrategy",
            default="",
            read_back=True,
            rule='"" never evicts; "LRU" lets the service evict the least recently used first',
        ),
    ] = Field(default=None, description="Whether the service may evict the cache at its quota.")
    insecure_registries: Annotated[
        list[RegistryHost] | None,
        BeforeValidator(_registry_list),
        Api(
            "InsecureRegistry",
            wire="comma",
            replace="the ECI API cannot change the insecure registries of an existing cache",
            rule="host[:port] without a scheme",
        ),
    ] = Field(default=None, description="Registries with self-signed certificates.")
    plain_http_registries: Annotated[
        list[RegistryHost] | None,
        BeforeValidator(_registry_list),
        Api(
            "PlainHttpRegistry",
            wire="comma",
            replace="the ECI API cannot change the plain-HTTP registries of an existing cache",
            rule="host[:port] without a scheme",
        ),
    ] = Field(default=None, description="Registries that speak plain HTTP.")
    timeout: Annotated[
        str,
        AfterValidator(_timeout),
        Api(rule='whole hours, minutes and seconds such as "90s", "10m" or "1h30m"'),
    ] = Field(
        default=DEFAULT_TIMEOUT,
        description="How long create, update and delete wait for the cache.",
    )
    adopt_image_cache_id: Annotated[
        str | None,
        Field(pattern=_CACHE_ID_PATTERN),
        Api(rule='"imc-" followed by lowercase letters and digits'),
    ] = Field(
        default=None,
        description="An existing cache to take over instead of creating one (read only at create).",
    )
    annotations: Annotated[
        dict[str, str] | None,
        BeforeValidator(_annotations),
        Api(
            "Annotations",
            wire="json",
            replace="the ECI API takes annotations only when it creates a cache",
            rule="Kubernetes annotation keys and string values",
        ),
    ] = Field(
        default=None,
        description="Annotations of the cache, sent as one JSON object (keys sorted).",
    )
    region: Annotated[
        str | None,
        Field(pattern=REGION_PATTERN),
        Api(
            replace="an image cache cannot move to another region",
            rule='a region id such as "cn-hangzhou"',
        ),
    ] = Field(
        default=None,
        description="The region to build the cache in (default: the provider's region).",
    )
    assume_role: Annotated[
        AssumeRole | None,
        Api(replace="an image cache cannot move to another account"),
    ] = Field(
        default=None,
        description="A RAM role to build and keep this cache as, assumed with the "
        "provider's credentials (default: the provider's own): caches in several "
        "accounts from one provider.",
    )

    @property
    def timeout_seconds(self) -> int:
        return parse_duration(self.timeout)


INPUT_FIELDS: tuple[str, ...] = tuple(ImageCacheSpec.model_fields)
REQUIRED_FIELDS: tuple[str, ...] = tuple(
    name for name, info in ImageCacheSpec.model_fields.items() if info.is_required()
)
_NESTED_MODELS: dict[str, type[BaseModel]] = {
    "image_registry_credentials": RegistryCredential,
    "acr_registry_infos": AcrRegistryInfo,
    "assume_role": AssumeRole,
}


def _field_type(info: FieldInfo) -> Any:
    """A field's type with its constraints and validators, for a validator of its own."""
    if info.metadata:
        args = (info.annotation, *info.metadata)
        return cast(Any, Annotated)[args]
    return info.annotation


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(_field_type(info)) for name, info in ImageCacheSpec.model_fields.items()
}


# ---------------------------------------------------------------------------
# What is allowed, in words, from the constraints (descriptions and messages alike)


@cache
def _schema_of(model: type[BaseModel], name: str) -> dict[str, Any]:
    """A field's JSON schema without its null branch (the constraints live there)."""
    schema = TypeAdapter(_field_type(model.model_fields[name])).json_schema()
    for branch in schema.get("anyOf", ()):
        if branch.get("type") != "null":
            return dict(branch)
    return dict(schema)


def allowed(name: str, model: type[BaseModel] = ImageCacheSpec) -> str:
    """What a field takes, in words: derived from its constraints, plus its ``rule``."""
    spec, rule = _schema_of(model, name), api_of(model.model_fields[name]).rule
    kind = spec.get("type")
    parts: list[str] = []
    if "enum" in spec:
        parts.append("one of " + ", ".join(json.dumps(v) for v in spec["enum"]))
    elif kind == "integer" and ("minimum" in spec or "maximum" in spec):
        span = _range(spec.get("minimum"), spec.get("maximum"), "from ")
        parts.append("a whole number " + (span if span.startswith("from") else f"of {span}"))
    elif kind == "string" and ("minLength" in spec or "maxLength" in spec):
        parts.append(_range(spec.get("minLength"), spec.get("maxLength")) + " characters")
    elif kind == "array" and ("minItems" in spec or "maxItems" in spec):
        parts.append(_range(spec.get("minItems"), spec.get("maxItems")) + " items")
    elif kind == "object" and "maxProperties" in spec:
        parts.append(f"at most {spec['maxProperties']} entries")
    if rule:
        parts.append(rule)
    return ": ".join(parts)


def _range(low: Any, high: Any, lead: str = "") -> str:
    if low is not None and high is not None:
        return f"{lead}{low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def describe(name: str, model: type[BaseModel] = ImageCacheSpec) -> str:
    """A field's description with what it takes (the schema and "is required" use it)."""
    text = model.model_fields[name].description or ""
    rule = allowed(name, model)
    return f"{text} Allowed: {rule}." if rule else text


# ---------------------------------------------------------------------------
# check


@dataclass(frozen=True)
class CheckFailureInfo:
    """One check failure: the top-level input it concerns and a sentence for the user."""

    property: str
    reason: str


@dataclass
class CheckOutcome:
    """What ``check`` returns: the inputs to store and the failures (empty when valid)."""

    inputs: dict[str, Any]
    failures: list[CheckFailureInfo] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


class InvalidInputsError(ValueError):
    """The inputs given to create/update are not valid (or not all known)."""

    def __init__(self, failures: Sequence[CheckFailureInfo]) -> None:
        self.failures = list(failures)
        lines = "\n".join(f"  - {f.reason}" for f in self.failures)
        super().__init__(f"invalid ImageCache inputs:\n{lines}")


def check_inputs(news: Mapping[str, Any], naming: Naming = SNAKE) -> CheckOutcome:
    """Validate the new inputs of one ImageCache (the provider's ``check``); failures name
    inputs as ``naming`` spells them."""
    inputs: dict[str, Any] = {}
    failures: list[CheckFailureInfo] = []
    for name, value in news.items():
        if name.startswith("__") or value is None:
            continue
        if name not in _ADAPTERS:
            failures.append(CheckFailureInfo(name, _unknown_property(name, value, naming)))
            inputs[name] = value
            continue
        if contains_unknown(value):
            inputs[name] = value
            continue
        try:
            normalised = _ADAPTERS[name].validate_python(value)
        except ValidationError as exc:
            failures.extend(
                CheckFailureInfo(naming.show(name), _reason(name, e, naming)) for e in exc.errors()
            )
            inputs[name] = value
            continue
        inputs[name] = _plain(_ADAPTERS[name].dump_python(normalised, exclude_none=True))
    for name in REQUIRED_FIELDS:
        if news.get(name) is None:
            failures.append(
                CheckFailureInfo(
                    naming.show(name), f"{naming.show(name)} is required: {describe(name)}"
                )
            )
    inputs.setdefault("timeout", DEFAULT_TIMEOUT)
    return CheckOutcome(inputs=inputs, failures=failures)


def spec_from_inputs(inputs: Mapping[str, Any], naming: Naming = SNAKE) -> ImageCacheSpec:
    """The validated spec for create/update; ``InvalidInputsError`` (a ValueError)
    listing every failure, or naming the inputs that are still unknown."""
    outcome = check_inputs(inputs, naming)
    if outcome.failures:
        raise InvalidInputsError(outcome.failures)
    unknown = [name for name, value in outcome.inputs.items() if contains_unknown(value)]
    if unknown:
        raise InvalidInputsError(
            [
                CheckFailureInfo(naming.show(name), f"{naming.show(name)} is still unknown")
                for name in unknown
            ]
        )
    return ImageCacheSpec.model_validate(outcome.inputs)


# ---------------------------------------------------------------------------
# Failure messages


def _unknown_property(name: str, value: Any, naming: Naming) -> str:
    known = [naming.show(field) for field in INPUT_FIELDS]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    secret = secrets.looks_secret(name)
    shown = "" if contains_unknown(value) else f" = {SECRET if secret else _show(value)}"
    return (
        f'unknown property "{name}"{shown}: ImageCache has no such input{hint} '
        f"(allowed: {', '.join(known)})"
    )


def _reason(name: str, error: ErrorDetails, naming: Naming) -> str:
    """One sentence: the input's path, the offending value, what is allowed."""
    loc = error["loc"]
    kind = error["type"]
    if kind in ("missing", "extra_forbidden"):
        parent = naming.path(name, loc[:-1])
        child = naming.show(str(loc[-1]))
        model = _NESTED_MODELS.get(name)
        if kind == "missing":
            described = model.model_fields[str(loc[-1])].description if model else None
            rule = f": {described}" if described else ""
            shown = _show(_safe(name, loc[:-1], error["input"]))
            return f'{parent} = {shown}: "{child}" is required{rule}'
        allowed_names = ", ".join(naming.show(f) for f in model.model_fields) if model else ""
        secret = name in secrets.secret_fields(ImageCacheSpec)
        shown = "" if secret else f" = {_show(error['input'])}"
        return (
            f'{parent}: unknown property "{child}"{shown} (allowed: {allowed_names})'
            if allowed_names
            else f'{parent}: unknown property "{child}"{shown}'
        )
    path = naming.path(name, loc)
    shown = _show(_safe(name, loc, error["input"]))
    problem = _problem(name, loc, error)
    if shown.startswith('"') and shown in problem:  # the rule already quotes the value
        return f"{path}: {problem}"
    return f"{path} = {shown}: {problem}"


def _problem(name: str, loc: Sequence[int | str], error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if not loc and kind in _CONSTRAINT_ERRORS:
        # A constraint of the field itself: say the whole rule, from the declaration.
        info = ImageCacheSpec.model_fields[name]
        rule = allowed(name)
        got = error["input"]
        if kind.startswith("string_") and "maxLength" in _schema_of(ImageCacheSpec, name):
            head, _, words = rule.partition(": ")
            # The length only when it is what is wrong: "Web" (3) fails on its "W".
            too = kind in ("string_too_short", "string_too_long") and isinstance(got, str)
            length = f" (got {len(got)})" if too else ""
            return f"must be {head}{length}" + (f" of {words}" if words else "")
        return f"must be {rule}{api_of(info).unit}"
    nested = _NESTED_MODELS.get(name)
    if loc and nested is not None and str(loc[-1]) in nested.model_fields:
        said = rule_words(kind, constraints_of(nested.model_fields[str(loc[-1])]))
        if said:
            return said
    messages = {
        "string_type": "must be a string",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "list_type": "must be a list",
        "dict_type": "must be a map",
        "model_type": "must be a map (an object with named fields)",
        "model_attributes_type": "must be a map (an object with named fields)",
    }
    return messages.get(kind, str(error["msg"]))


_CONSTRAINT_ERRORS = frozenset(
    {
        "greater_than_equal",
        "less_than_equal",
        "greater_than",
        "less_than",
        "string_too_short",
        "string_too_long",
        "string_pattern_mismatch",
        "literal_error",
        "too_short",
        "too_long",
    }
)


def _public_fields(name: str) -> frozenset[str]:
    """The fields of a secret input's entries that may be shown (a login's server and
    user name): those not declared secret."""
    model = _NESTED_MODELS.get(name)
    if model is None:
        return frozenset()
    return frozenset(model.model_fields) - secrets.secret_fields(model)


def _safe(name: str, loc: Sequence[int | str], value: Any) -> Any:
    """``value`` as it may be shown: inside a secret input only its entries' public
    fields are ever shown (a password may sit under a misspelt key, or be given where
    an entry was expected); elsewhere anything under a secret's name is hidden."""
    if name not in secrets.secret_fields(ImageCacheSpec):
        return _redact(value)
    public = _public_fields(name)
    if loc and loc[-1] in public:
        return value
    if len(loc) >= 2:
        return _Secret()
    if len(loc) == 1:
        return _entry(value, public)
    if isinstance(value, (list, tuple)):
        return [_entry(entry, public) for entry in value]
    return _Secret()


def _entry(value: Any, public: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {str(k): v if k in public else _Secret() for k, v in value.items()}
    return _Secret()


class _Secret:
    """Shown as <secret>, without quotes."""


def as_written(value: Any) -> Any:
    """``value`` with whole floats as ints, at any depth: the engine carries every number
    as a double, but a person wrote ``7``, not ``7.0``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: as_written(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_written(v) for v in value]
    return value


def _show(value: Any, limit: int = 300) -> str:
    text = json.dumps(as_written(value), ensure_ascii=False, default=_json_default)
    text = text.replace(json.dumps(SECRET), SECRET)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_default(value: Any) -> Any:
    if isinstance(value, (_Secret, SecretStr)):
        return SECRET
    return repr(value)


def _redact(value: Any) -> Any:
    if isinstance(value, Mapping):
        hidden = secrets.secret_names()
        return {str(k): _Secret() if k in hidden else _redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """Dumped pydantic values as plain JSON-able data (secrets revealed for the state)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
