"""The provider's settings: one declaration per key, for both engine faces and the schema.

pulumi-alicloud's users already have ``region``, ``accessKey``, ``secretKey``,
``securityToken``, ``profile``, ``assumeRole`` and ``ecsRoleName``; the rest
(``endpoint`` and the tuning keys) are ours. The plugin takes them as its provider
configuration (``ecicache:region`` in stack config for the default provider, or the
inputs of an explicit ``pulumi:providers:ecicache``); the dynamic face reads the same
keys from stack config under the namespaces its users know (``alicloud:region``,
``eci-cache:endpoint``: ``stack_key``). Anything not set falls back to the environment
(cloud/credentials.py). Secrets are ``SecretStr`` (marked secret in the schema, never
shown). Pure: no I/O.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
)
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

from pulumi_eci_cache.errors import CheckFailureInfo

from . import secrets
from .constraints import Rule, constraints_of, one_of, rule_words
from .model import AdviceName
from .roles import AssumeRole, AssumeRoleWithOidc
from .validators import REGION_PATTERN
from .values import as_written

__all__ = [
    "AssumeRole",
    "AssumeRoleWithOidc",
    "ProviderConfig",
    "check_config",
    "no_such_setting",
    "stack_key",
    "unknown_stack_keys",
]


@dataclass(frozen=True)
class StackKey:
    """The namespace of a key in the dynamic face's stack config."""

    namespace: str


ALICLOUD = StackKey("alicloud")
ECI_CACHE = StackKey("eci-cache")


def _json_object(value: object) -> object:
    """Stack config carries objects as JSON text (``pulumi config set --path`` or by hand)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _names(value: object) -> object:
    """A list of names: JSON text from stack config, or names separated by commas
    (``pulumi config set eci-cache:silenceAdvice no-retention,size``)."""
    value = _json_object(value)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


RegionId = Annotated[str, Field(pattern=REGION_PATTERN), Rule('a region id such as "cn-hangzhou"')]


def _endpoint(value: str | None) -> str | None:
    """An endpoint URL: http or https, a host, a port that is a number (no path)."""
    if value is None:
        return value
    problem = endpoint_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def endpoint_problem(value: str) -> str:
    """What is wrong with an endpoint as written ("" when nothing is): an http:// or
    https:// URL with a host and, if any, a port that is a number; nothing else (a
    missing scheme is not guessed: https to a plain-HTTP emulator fails every call)."""
    text = value.strip()
    if not text:
        return 'must be a URL such as "https://eci.cn-hangzhou.aliyuncs.com", not empty'
    scheme, sep, rest = text.partition("://")
    if not sep:
        return (
            'must start with http:// or https:// (e.g. "https://eci.cn-hangzhou.aliyuncs.com", '
            'or the emulator\'s "http://127.0.0.1:8686")'
        )
    if scheme.lower() not in ("http", "https"):
        return f"must be an http:// or https:// URL, not {scheme}://"
    hostport = rest.rstrip("/")
    if "/" in hostport or "?" in hostport or "#" in hostport:
        return "must be a scheme, a host and a port only, without a path"
    if hostport.startswith("["):  # [IPv6]:port
        host, _, port = hostport.partition("]")
        host, port = host + "]", port.removeprefix(":")
    elif hostport.count(":") == 1:
        host, _, port = hostport.partition(":")
    else:
        host, port = hostport, ""
    if not host or not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]", host):
        return "must name a host (letters, digits, dots and dashes)"
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        return f'has port "{port}": a port is a number from 1 to 65535'
    return ""


Endpoint = Annotated[str, AfterValidator(_endpoint)]


@secrets.register
class ProviderConfig(BaseModel):
    """Where the caches live and who creates them; how hard the provider may push."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        loc_by_alias=False,
    )

    region: Annotated[RegionId | None, ALICLOUD] = Field(
        default=None,
        description="The region of the caches (else ALIBABA_CLOUD_REGION_ID or "
        "ALICLOUD_REGION, or the aliyun CLI profile's).",
    )
    access_key: Annotated[str | None, ALICLOUD] = Field(
        default=None, description="The AccessKey id (else ALIBABA_CLOUD_ACCESS_KEY_ID)."
    )
    secret_key: Annotated[SecretStr | None, ALICLOUD] = Field(
        default=None, description="The AccessKey secret (else ALIBABA_CLOUD_ACCESS_KEY_SECRET)."
    )
    security_token: Annotated[SecretStr | None, ALICLOUD] = Field(
        default=None, description="The STS token of temporary credentials."
    )
    profile: Annotated[str | None, ALICLOUD] = Field(
        default=None, description="The aliyun CLI profile to take credentials from."
    )
    assume_role: Annotated[AssumeRole | None, BeforeValidator(_json_object), ALICLOUD] = Field(
        default=None,
        description="A RAM role to act as: the base credentials sign only the STS "
        "AssumeRole call, and every ECI call is signed as the role (else "
        "ALIBABA_CLOUD_ROLE_ARN).",
    )
    assume_role_with_oidc: Annotated[
        AssumeRoleWithOidc | None, BeforeValidator(_json_object), ALICLOUD
    ] = Field(
        default=None,
        description="A RAM role to act as with an OIDC token (CI without keys; else "
        "ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and "
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE). With assumeRole too, that role is assumed from "
        "this one.",
    )
    ecs_role_name: Annotated[str | None, ALICLOUD] = Field(
        default=None, description="The ECS instance RAM role to take credentials from."
    )
    endpoint: Annotated[Endpoint | None, ECI_CACHE] = Field(
        default=None,
        description="The ECI endpoint (default https://eci.<region>.aliyuncs.com, else "
        "ECI_CACHE_ENDPOINT), e.g. the emulator's http://127.0.0.1:8686.",
    )
    sts_endpoint: Annotated[Endpoint | None, ECI_CACHE] = Field(
        default=None,
        description="The STS endpoint that roles are assumed at (default "
        "https://sts.<region>.aliyuncs.com, else ALIBABA_CLOUD_STS_ENDPOINT), e.g. the "
        "emulator's http://127.0.0.1:8686.",
    )
    unreachable_timeout_seconds: Annotated[float, Field(gt=0), ECI_CACHE] = Field(
        default=60.0, description="How long to keep trying an endpoint that does not answer at all."
    )
    max_requests_per_second: Annotated[float, Field(gt=0), ECI_CACHE] = Field(
        default=10.0,
        description="The API budget of the provider, halved while the service throttles.",
    )
    poll_floor_seconds: Annotated[float, Field(gt=0), ECI_CACHE] = Field(
        default=2.0, description="The shortest time between two polling rounds."
    )
    poll_ceiling_seconds: Annotated[float, Field(gt=0), ECI_CACHE] = Field(
        default=60.0, description="The longest time between two looks at a building cache."
    )
    poll_first_seconds: Annotated[float, Field(gt=0), ECI_CACHE] = Field(
        default=5.0, description="The first look at a new build."
    )
    max_concurrent_operations: Annotated[int, Field(ge=1), ECI_CACHE] = Field(
        default=256, description="How many creates, updates and deletes the provider runs at once."
    )

    silence_advice: Annotated[list[AdviceName] | None, BeforeValidator(_names), ECI_CACHE] = Field(
        default=None,
        description="Cost and failure advice that previews do not show for any cache "
        'of this provider (e.g. ["no-retention", "size"]); a cache has the same setting.',
    )

    @classmethod
    def stack_values(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """The dynamic face's settings in stack config (``alicloud:region``, ...), by
        field name, for ``check_config``; other keys and empty values are ignored."""
        values = {}
        for name in cls.model_fields:
            value = config.get(stack_key(name))
            if value not in (None, ""):
                values[name] = value
        return values

    @classmethod
    def from_stack_config(cls, config: Mapping[str, Any]) -> ProviderConfig:
        """``stack_values`` validated (a ``ConfigError`` naming the key when invalid)."""
        settings, failures = check_config(cls.stack_values(config))
        if settings is None:
            from pulumi_eci_cache.errors import ConfigError

            raise ConfigError("; ".join(f.reason for f in failures))
        return settings

    def secret(self, name: str) -> str | None:
        """A secret's value, for the one place that sends it (the request signer)."""
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else value


def stack_key(name: str) -> str:
    """The dynamic face's stack config key of a setting: ``alicloud:accessKey``."""
    info = ProviderConfig.model_fields[name]
    namespace = next(m for m in info.metadata if isinstance(m, StackKey)).namespace
    return f"{namespace}:{to_camel(name)}"


def no_such_setting(name: str, key: Callable[[str], str] = stack_key) -> str:
    """Why a setting named ``name`` is refused: the closest setting, and every one, as
    the face spells them (``key``)."""
    settings = {to_camel(field): field for field in ProviderConfig.model_fields}
    close = difflib.get_close_matches(to_camel(name), list(settings), n=1)
    hint = f"; did you mean {key(settings[close[0]])}?" if close else ""
    every = ", ".join(key(field) for field in ProviderConfig.model_fields)
    return f"no such setting{hint} (the settings: {every})"


def unknown_stack_keys(keys: Iterable[str], project: str | None = None) -> list[CheckFailureInfo]:
    """The dynamic face's stack config keys in its own namespace (``eci-cache:``) that
    name no setting: a mistyped ``eci-cache:endpiont`` would otherwise be ignored, and
    the caches built elsewhere than the user meant. The ``alicloud:`` namespace is
    pulumi-alicloud's too, so its other keys are not ours to refuse; and a project named
    ``eci-cache`` keeps its own config there, so then nothing is refused."""
    if project == ECI_CACHE.namespace:
        return []
    known = {stack_key(field) for field in ProviderConfig.model_fields}
    failures = []
    for key in sorted(keys):
        namespace, _, name = key.partition(":")
        if namespace == ECI_CACHE.namespace and key not in known:
            failures.append(CheckFailureInfo(key, f"{key}: {no_such_setting(name)}"))
    return failures


def setting_path(key: Callable[[str], str], name: str, parts: Sequence[str] = ()) -> str:
    """A setting, or a field inside it, as the face spells it: ``alicloud:assumeRole.roleArn``,
    ``assumeRole.roleArn (provider pb)`` (the provider's name stays last)."""
    shown = name
    if name in ProviderConfig.model_fields or key is not stack_key:  # the plugin spells any
        shown = key(name)
    if not parts:
        return shown
    head, sep, tail = shown.partition(" (")
    return f"{head}.{'.'.join(to_camel(part) for part in parts)}{sep}{tail}"


def check_config(
    values: Mapping[str, Any], key: Callable[[str], str] = stack_key
) -> tuple[ProviderConfig | None, list[CheckFailureInfo]]:
    """The settings, or why not: each failure names the key as the face spells it
    (``key``), shows its value (never a secret's) and says what is allowed."""
    try:
        return ProviderConfig.model_validate(dict(values)), []
    except ValidationError as exc:
        failures = []
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]] or ["?"]
            top = loc[0]
            path = setting_path(key, top, loc[1:])
            hidden = secrets.secret_fields(ProviderConfig) | secrets.secret_names()
            secret = any(part in hidden for part in loc) or secrets.looks_secret(loc[-1])
            value = as_written(error.get("input"))
            shown = "<secret>" if secret else json.dumps(value, default=str)
            problem = _problem(error, _field(loc), key)
            failures.append(
                CheckFailureInfo(setting_path(key, top), f"{path} = {shown}: {problem}")
            )
        return None, failures


_MESSAGES = {
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "model_type": "must be an object with named fields",
    "model_attributes_type": "must be an object with named fields",
    "missing": "is required",
}


def _field(loc: Sequence[str]) -> FieldInfo | None:
    """The declaration a failure's location points at (through nested settings)."""
    model: type[BaseModel] | None = ProviderConfig
    info: FieldInfo | None = None
    for part in loc:
        if model is None:
            return None
        fields = {**model.model_fields, **{to_camel(n): f for n, f in model.model_fields.items()}}
        info = fields.get(part)
        if info is None:
            return None
        model = next(iter(secrets.models_in(info.annotation)), None)
    return info


def _problem(error: Any, info: FieldInfo | None, key: Callable[[str], str] = stack_key) -> str:
    """What is allowed, in our words: the rule declared with the field, else its bounds."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "extra_forbidden":
        top_level = len(error["loc"]) == 1
        return no_such_setting(str(error["loc"][0]), key) if top_level else "no such setting"
    if kind == "literal_error":
        return one_of(ctx)
    said = constraints_of(info) if info is not None else {}
    if said_rule := rule_words(kind, said):
        return said_rule
    return _MESSAGES.get(kind, str(error["msg"]))
