"""The ImageCache inputs: their rules, their normal form, and the API request they make.

Everything a user can get wrong is caught here, at ``pulumi preview``, with a message
that names the input (with its index inside a list), shows the offending value and says
what is allowed, instead of failing minutes into ``pulumi up`` with the service's terse
``InvalidParameter``. Registry passwords are never shown (``<secret>``).

- ``ImageCacheSpec`` is the validated model (pydantic v2, unknown properties forbidden);
  ``ImageCacheSpec.to_api()`` gives the API parameter dict of Contract 1
  (docs/architecture.md).
- ``check_inputs`` is the provider's ``check``: it validates each input on its own, so
  one bad input does not hide the others, lets values that are still unknown at preview
  pass (``pulumi.output.Unknown`` instances, which is how the dynamic provider server
  deserialises unknowns with ``keep_unknowns=True``, or the raw ``rpc.UNKNOWN`` sentinel
  string; anywhere, including inside lists), and returns the normalised inputs to store
  (images and registry addresses exactly as written -- their canonical forms are for
  comparing only --, vSwitch ids without blanks, the ``timeout`` default filled in,
  other defaults left out).
- ``spec_from_inputs`` is for create and update, where every value is known.

Keys starting with ``__`` (``__provider`` and other engine internals) are not inputs:
the provider strips them before validating, and ``check_inputs``/``spec_from_inputs``
also skip them (the dynamic provider server puts ``__provider`` back on the checked
inputs itself). ``ImageCacheSpec.model_validate`` on its own refuses them like any other
unknown property.

Numbers arrive from the engine as floats (protobuf ``Struct`` has only doubles), so the
integer inputs accept whole floats such as ``20.0`` but never booleans or strings, and
every value shown to a person goes through ``as_written`` (``20.0`` is shown ``20``).
Pure: no I/O.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, cast

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN as UNKNOWN_SENTINEL
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
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from .images import canonical_image, canonical_or_raw

__all__ = [
    "DEFAULT_TIMEOUT",
    "INPUT_FIELDS",
    "REQUIRED_FIELDS",
    "UNKNOWN_SENTINEL",
    "AcrRegistryInfo",
    "CheckFailureInfo",
    "CheckOutcome",
    "ImageCacheSpec",
    "InvalidInputsError",
    "RegistryCredential",
    "as_written",
    "canonical_host",
    "check_inputs",
    "contains_unknown",
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
# The API takes 20; one is reserved for the tag that finds a cache after a crash.
MAX_TAGS = 19
CACHE_SIZE_GIB = (20, 32768)
RETENTION_DAYS = (1, 65536)
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 128
RESERVED_TAG_KEY_PREFIXES = ("aliyun", "acs:", "pulumi-eci-cache-")
FORBIDDEN_TAG_PREFIXES = ("http://", "https://")
ELIMINATION_STRATEGIES = ("", "LRU")

# The documented rule for ImageCacheName is only "lowercase letters, digits and -";
# the length (2..128) and "start and end with a letter or digit" are ECI's rule for
# the names of its other resources (container groups), kept here so that no name we
# accept can be refused by the service.
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,126}[a-z0-9]")
_VSWITCH_RE = re.compile(r"vsw-[a-z0-9]+")
_CACHE_ID_RE = re.compile(r"imc-[a-z0-9]+")
_DURATION_RE = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_HOST_RE = re.compile(
    r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
    r"|\[[a-fA-F0-9:]+\])"
    r"(?::([0-9]{1,5}))?"
)


# ---------------------------------------------------------------------------
# Unknown values (preview)


def is_unknown(value: object) -> bool:
    """Whether ``value`` is a value the engine does not know yet (at preview)."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN_SENTINEL)


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
# Value rules: each raises ValueError stating what is allowed; the failure formatter
# adds the input's path and the offending value.


def _whole_number(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def _in_range(low: int, high: int | None, unit: str) -> AfterValidator:
    def check(value: int) -> int:
        if value < low or (high is not None and value > high):
            allowed = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise ValueError(f"must be a whole number {allowed}{unit}")
        return value

    return AfterValidator(check)


def _cache_name(value: str) -> str:
    if not _NAME_RE.fullmatch(value):
        raise ValueError(
            f"must be 2 to 128 characters (got {len(value)}) of lowercase letters, digits "
            'and "-", starting and ending with a letter or digit'
        )
    return value


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


def _registry_list(value: object) -> object:
    if isinstance(value, (list, tuple)):
        hosts = [canonical_host(v) for v in value]
        duplicates = sorted({h for h in hosts if isinstance(h, str) and hosts.count(h) > 1})
        if duplicates:
            raise ValueError(
                f"names {', '.join(duplicates)} more than once; list each registry once"
            )
    return value


def canonical_host(value: object) -> object:
    """``registry_host(value)`` when valid, else ``value`` unchanged (never raises)."""
    if isinstance(value, str):
        try:
            return registry_host(value)
        except ValueError:
            return value
    return value


def _not_empty(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _password(value: SecretStr) -> SecretStr:
    if not value.get_secret_value():
        raise ValueError("must not be empty")
    return value


def _credential_list(value: object) -> object:
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_CREDENTIALS:
            raise ValueError(
                f"has {len(value)} entries; at most {MAX_CREDENTIALS} registry credentials "
                "are allowed"
            )
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
    if len(value) > MAX_TAGS:
        raise ValueError(
            f"has {len(value)} tags; at most {MAX_TAGS} are allowed (the API takes 20 and "
            "pulumi-eci-cache keeps one for the tag that finds the cache after a crash)"
        )
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


def _elimination_strategy(value: str) -> str:
    if value not in ELIMINATION_STRATEGIES:
        raise ValueError('must be "" (never evict) or "LRU" (evict least recently used first)')
    return value


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


def _cache_id(value: str) -> str:
    if not _CACHE_ID_RE.fullmatch(value):
        raise ValueError(
            'must be an image cache id: "imc-" followed by lowercase letters and digits'
        )
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

WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
CacheName = Annotated[str, AfterValidator(_cache_name)]
ImageRef = Annotated[str, AfterValidator(_valid_image)]
RegistryHost = Annotated[str, AfterValidator(_valid_host)]
NonEmptyStr = Annotated[str, AfterValidator(_not_empty)]


class RegistryCredential(BaseModel):
    """User name and password for one private registry (``ImageRegistryCredential.N``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server: RegistryHost = Field(
        description='the registry address, host[:port] without a scheme, e.g. "r.example.com"'
    )
    user_name: NonEmptyStr = Field(description="the registry user name (not empty)")
    password: Annotated[SecretStr, AfterValidator(_password)] = Field(
        description="the registry password (a secret; never shown)"
    )


class AcrRegistryInfo(BaseModel):
    """An ACR Enterprise instance to pull from without a password (``AcrRegistryInfo.N``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instance_id: NonEmptyStr = Field(description='the ACR Enterprise instance id ("cri-...")')
    instance_name: str | None = Field(default=None, description="the instance name")
    region_id: str | None = Field(default=None, description="the instance's region id")
    domains: list[RegistryHost] | None = Field(
        default=None,
        description="the instance's custom domains (host[:port]); default: all of them",
    )


class ImageCacheSpec(BaseModel):
    """The validated inputs of one image cache."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image_cache_name: CacheName = Field(
        description='2 to 128 lowercase letters, digits and "-", starting and ending with '
        "a letter or digit"
    )
    images: Annotated[list[ImageRef], BeforeValidator(_image_list)] = Field(
        description="1 to 20 image references, each with a tag or a digest, each once"
    )
    security_group_id: str | None = Field(default=None, description="a security group id")
    vswitch_id: Annotated[str, AfterValidator(_vswitch_ids)] | None = Field(
        default=None, description='up to 10 vSwitch ids ("vsw-..."), comma-separated'
    )
    zone_id: str | None = Field(default=None, description="a zone id")
    eip_instance_id: str | None = Field(default=None, description="an EIP instance id")
    image_cache_size: Annotated[WholeNumber, _in_range(*CACHE_SIZE_GIB, " (GiB)")] | None = Field(
        default=None, description="a whole number of GiB from 20 to 32768"
    )
    retention_days: Annotated[WholeNumber, _in_range(*RETENTION_DAYS, " (days)")] | None = Field(
        default=None, description="a whole number of days from 1 to 65536"
    )
    resource_group_id: str | None = Field(default=None, description="a resource group id")
    image_registry_credentials: (
        Annotated[list[RegistryCredential], BeforeValidator(_credential_list)] | None
    ) = Field(default=None, description="up to 10 registry credentials")
    acr_registry_infos: list[AcrRegistryInfo] | None = Field(
        default=None, description="ACR Enterprise instances, each with an instance_id"
    )
    tags: Annotated[dict[str, str], BeforeValidator(_tags)] | None = Field(
        default=None, description="up to 19 tags (one of the API's 20 is reserved)"
    )
    auto_match_image_cache: StrictBool | None = Field(default=None, description="true or false")
    flash: StrictBool | None = Field(default=None, description="true or false")
    flash_copy_count: Annotated[WholeNumber, _in_range(1, None, "")] | None = Field(
        default=None, description="a whole number of at least 1"
    )
    standard_copy_count: Annotated[WholeNumber, _in_range(1, None, "")] | None = Field(
        default=None, description="a whole number of at least 1"
    )
    elimination_strategy: Annotated[str, AfterValidator(_elimination_strategy)] | None = Field(
        default=None, description='"" or "LRU"'
    )
    insecure_registries: Annotated[list[RegistryHost], BeforeValidator(_registry_list)] | None = (
        Field(default=None, description="registry addresses host[:port] without a scheme")
    )
    plain_http_registries: Annotated[list[RegistryHost], BeforeValidator(_registry_list)] | None = (
        Field(default=None, description="registry addresses host[:port] without a scheme")
    )
    timeout: Annotated[str, AfterValidator(_timeout)] = Field(
        default=DEFAULT_TIMEOUT,
        description='how long to wait for the cache, e.g. "90s", "10m", "1h30m"',
    )
    adopt_image_cache_id: Annotated[str, AfterValidator(_cache_id)] | None = Field(
        default=None,
        description='an existing cache ("imc-...") to take over instead of creating one',
    )

    @property
    def timeout_seconds(self) -> int:
        return parse_duration(self.timeout)

    def to_api(self) -> dict[str, Any]:
        """The CreateImageCache / UpdateImageCache parameters (Contract 1); empty values
        are left out, so the service applies its own defaults."""
        api: dict[str, Any] = {}

        def put(key: str, value: Any) -> None:
            if not _is_empty(value):
                api[key] = value

        put("ImageCacheName", self.image_cache_name)
        put("Images", list(self.images))
        put("SecurityGroupId", self.security_group_id)
        put("VSwitchId", self.vswitch_id)
        put("ZoneId", self.zone_id)
        put("EipInstanceId", self.eip_instance_id)
        put("ImageCacheSize", self.image_cache_size)
        put("RetentionDays", self.retention_days)
        put("ResourceGroupId", self.resource_group_id)
        put(
            "ImageRegistryCredentials",
            [
                {
                    "Server": c.server,
                    "UserName": c.user_name,
                    "Password": c.password.get_secret_value(),
                }
                for c in self.image_registry_credentials or ()
            ],
        )
        put("AcrRegistryInfos", [_acr_to_api(info) for info in self.acr_registry_infos or ()])
        put("Tags", [{"Key": k, "Value": v} for k, v in sorted((self.tags or {}).items())])
        put("AutoMatchImageCache", self.auto_match_image_cache)
        put("Flash", self.flash)
        put("FlashCopyCount", self.flash_copy_count)
        put("StandardCopyCount", self.standard_copy_count)
        put("EliminationStrategy", self.elimination_strategy)
        put("InsecureRegistry", ",".join(self.insecure_registries or ()))
        put("PlainHttpRegistry", ",".join(self.plain_http_registries or ()))
        return api


def _acr_to_api(info: AcrRegistryInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {"InstanceId": info.instance_id}
    if info.instance_name:
        entry["InstanceName"] = info.instance_name
    if info.region_id:
        entry["RegionId"] = info.region_id
    if info.domains:
        entry["Domains"] = list(info.domains)
    return entry


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and len(value) == 0)


INPUT_FIELDS: tuple[str, ...] = tuple(ImageCacheSpec.model_fields)
REQUIRED_FIELDS: tuple[str, ...] = tuple(
    name for name, info in ImageCacheSpec.model_fields.items() if info.is_required()
)
_NESTED_MODELS: dict[str, type[BaseModel]] = {
    "image_registry_credentials": RegistryCredential,
    "acr_registry_infos": AcrRegistryInfo,
}


def _field_adapter(info: FieldInfo) -> TypeAdapter[Any]:
    """A validator for one field on its own, with the field's own constraints."""
    if info.metadata:
        args = (info.annotation, *info.metadata)
        return TypeAdapter(cast(Any, Annotated)[args])
    return TypeAdapter(cast(Any, info.annotation))


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: _field_adapter(info) for name, info in ImageCacheSpec.model_fields.items()
}


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


def check_inputs(news: Mapping[str, Any]) -> CheckOutcome:
    """Validate the new inputs of one ImageCache (the provider's ``check``)."""
    inputs: dict[str, Any] = {}
    failures: list[CheckFailureInfo] = []
    for name, value in news.items():
        if name.startswith("__") or value is None:
            continue
        if name not in _ADAPTERS:
            failures.append(CheckFailureInfo(name, _unknown_property(name, value)))
            inputs[name] = value
            continue
        if contains_unknown(value):
            inputs[name] = value
            continue
        try:
            normalised = _ADAPTERS[name].validate_python(value)
        except ValidationError as exc:
            failures.extend(CheckFailureInfo(name, _reason(name, e)) for e in exc.errors())
            inputs[name] = value
            continue
        inputs[name] = _plain(_ADAPTERS[name].dump_python(normalised, exclude_none=True))
    for name in REQUIRED_FIELDS:
        if news.get(name) is None:
            description = ImageCacheSpec.model_fields[name].description
            failures.append(CheckFailureInfo(name, f"{name} is required: {description}"))
    inputs.setdefault("timeout", DEFAULT_TIMEOUT)
    return CheckOutcome(inputs=inputs, failures=failures)


def spec_from_inputs(inputs: Mapping[str, Any]) -> ImageCacheSpec:
    """The validated spec for create/update; ``InvalidInputsError`` (a ValueError)
    listing every failure, or naming the inputs that are still unknown."""
    outcome = check_inputs(inputs)
    if outcome.failures:
        raise InvalidInputsError(outcome.failures)
    unknown = [name for name, value in outcome.inputs.items() if contains_unknown(value)]
    if unknown:
        raise InvalidInputsError(
            [CheckFailureInfo(name, f"{name} is still unknown") for name in unknown]
        )
    return ImageCacheSpec.model_validate(outcome.inputs)


# ---------------------------------------------------------------------------
# Failure messages


def _unknown_property(name: str, value: Any) -> str:
    close = difflib.get_close_matches(name, INPUT_FIELDS, n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    secret = any(word in name.lower() for word in _SECRET_WORDS)
    shown = "" if contains_unknown(value) else f" = {SECRET if secret else _show(value)}"
    return (
        f'unknown property "{name}"{shown}: ImageCache has no such input{hint} '
        f"(allowed: {', '.join(INPUT_FIELDS)})"
    )


def _reason(name: str, error: ErrorDetails) -> str:
    """One sentence: the input's path, the offending value, what is allowed."""
    loc = error["loc"]
    kind = error["type"]
    if kind in ("missing", "extra_forbidden"):
        parent = _path(name, loc[:-1])
        child = str(loc[-1])
        if kind == "missing":
            model = _NESTED_MODELS.get(name)
            described = model.model_fields[child].description if model else None
            rule = f": {described}" if described else ""
            shown = _show(_safe(name, loc[:-1], error["input"]))
            return f'{parent} = {shown}: "{child}" is required{rule}'
        allowed = ", ".join(_NESTED_MODELS[name].model_fields) if name in _NESTED_MODELS else ""
        secret = name == "image_registry_credentials"
        shown = "" if secret else f" = {_show(error['input'])}"
        return (
            f'{parent}: unknown property "{child}"{shown} (allowed: {allowed})'
            if allowed
            else f'{parent}: unknown property "{child}"{shown}'
        )
    path = _path(name, loc)
    shown = _show(_safe(name, loc, error["input"]))
    problem = _problem(error)
    if shown.startswith('"') and shown in problem:  # the rule already quotes the value
        return f"{path}: {problem}"
    return f"{path} = {shown}: {problem}"


def _problem(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
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


def _path(name: str, loc: Sequence[int | str]) -> str:
    text = name
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


_PUBLIC_CREDENTIAL_FIELDS = ("server", "user_name")
_SECRET_WORDS = ("password", "secret", "token")


def _safe(name: str, loc: Sequence[int | str], value: Any) -> Any:
    """``value`` as it may be shown: inside registry credentials only the server and
    user name are ever shown (a password may sit under a misspelt key, or be given
    where an entry was expected); elsewhere anything under a "password" key is hidden."""
    if name != "image_registry_credentials":
        return _redact(value)
    if loc and loc[-1] in _PUBLIC_CREDENTIAL_FIELDS:
        return value
    if len(loc) >= 2:
        return _Secret()
    if len(loc) == 1:
        return _credential_entry(value)
    if isinstance(value, (list, tuple)):
        return [_credential_entry(entry) for entry in value]
    return _Secret()


def _credential_entry(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            str(k): v if k in _PUBLIC_CREDENTIAL_FIELDS else _Secret() for k, v in value.items()
        }
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
        return {str(k): _Secret() if k == "password" else _redact(v) for k, v in value.items()}
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
