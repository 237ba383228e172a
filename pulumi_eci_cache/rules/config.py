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

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError
from pydantic.alias_generators import to_camel

from .model import CheckFailureInfo

__all__ = [
    "AssumeRole",
    "ProviderConfig",
    "check_config",
    "stack_key",
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


class AssumeRole(BaseModel):
    """The RAM role the credentials act as (pulumi-alicloud's ``assumeRole``)."""

    model_config = ConfigDict(extra="ignore", frozen=True, alias_generator=to_camel)

    role_arn: str = Field(description='The role\'s ARN, "acs:ram::<account>:role/<name>".')
    session_name: str | None = Field(default=None, description="The role session's name.")


class ProviderConfig(BaseModel):
    """Where the caches live and who creates them; how hard the provider may push."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        loc_by_alias=False,
    )

    region: Annotated[str | None, ALICLOUD] = Field(
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
        description="The RAM role the credentials act as; it names who creates a cache "
        "when the credentials are temporary.",
    )
    ecs_role_name: Annotated[str | None, ALICLOUD] = Field(
        default=None, description="The ECS instance RAM role to take credentials from."
    )
    endpoint: Annotated[str | None, ECI_CACHE] = Field(
        default=None,
        description="The ECI endpoint (default https://eci.<region>.aliyuncs.com), e.g. the "
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
            shown_key = key(top) if top in ProviderConfig.model_fields else top
            path = ".".join([shown_key, *(to_camel(part) for part in loc[1:])])
            secret = top in _SECRETS
            shown = "<secret>" if secret else json.dumps(error.get("input"), default=str)
            failures.append(CheckFailureInfo(shown_key, f"{path} = {shown}: {error['msg']}"))
        return None, failures


_SECRETS = frozenset(
    name
    for name, info in ProviderConfig.model_fields.items()
    if "SecretStr" in str(info.annotation)
)
