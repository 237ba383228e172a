"""The roles a provider (or one cache) acts as: pulumi-alicloud's ``assumeRole`` and
``assumeRoleWithOidc``, one declaration each, for the settings (rules/config.py), a
cache's own ``assume_role`` input (rules/model.py) and the schema.

Each field carries its rule: ARNs and session names by pattern (``Rule`` says the
pattern in words, for messages), session lengths 900-43200 s (what STS grants), a
session policy as a JSON object. The OIDC token is a ``SecretStr`` (rules/secrets.py).
Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr
from pydantic.alias_generators import to_camel

from . import secrets
from .constraints import Rule

__all__ = [
    "DEFAULT_SESSION_SECONDS",
    "SESSION_SECONDS",
    "AssumeRole",
    "AssumeRoleWithOidc",
]


# A RAM role's ARN, an OIDC provider's ARN, and what STS takes as a session name.
ROLE_ARN_PATTERN = r"^acs:ram::[0-9]+:role/[A-Za-z0-9._@/-]+$"
OIDC_PROVIDER_ARN_PATTERN = r"^acs:ram::[0-9]+:oidc-provider/[A-Za-z0-9._-]+$"
SESSION_NAME_PATTERN = r"^[A-Za-z0-9_.@-]{2,64}$"
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9=,.@:/_-]{2,1224}$"
# STS gives a role session 900 s to 43200 s (the role's own maximum may be lower).
SESSION_SECONDS = (900, 43200)
DEFAULT_SESSION_SECONDS = 3600


def _whole(value: object) -> object:
    """The engine carries numbers as doubles: 3600.0 is the 3600 a person wrote."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _policy(value: str | None) -> str | None:
    """A session policy is a JSON object (STS refuses anything else, but only at run time)."""
    if value is None:
        return value
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise ValueError(f"must be a policy document in JSON ({exc.args[0]})") from exc
    if not isinstance(parsed, dict):
        raise ValueError("must be a policy document: a JSON object")
    return value


RoleArn = Annotated[
    str,
    Field(pattern=ROLE_ARN_PATTERN),
    Rule('a RAM role\'s ARN, "acs:ram::<account id>:role/<name>"'),
]
OidcProviderArn = Annotated[
    str,
    Field(pattern=OIDC_PROVIDER_ARN_PATTERN),
    Rule('an OIDC provider\'s ARN, "acs:ram::<account id>:oidc-provider/<name>"'),
]
SessionName = Annotated[
    str, Field(pattern=SESSION_NAME_PATTERN), Rule("2 to 64 letters, digits and _ . @ -")
]
ExternalId = Annotated[
    str,
    Field(pattern=EXTERNAL_ID_PATTERN),
    Rule("2 to 1224 letters, digits and = , . @ : / _ -"),
]
SessionSeconds = Annotated[
    int, Field(ge=SESSION_SECONDS[0], le=SESSION_SECONDS[1]), BeforeValidator(_whole)
]
Policy = Annotated[str, AfterValidator(_policy)]
_ROLE_CONFIG = ConfigDict(
    extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
)


@secrets.register
class AssumeRole(BaseModel):
    """A RAM role to act as (pulumi-alicloud's ``assumeRole``): the provider assumes it
    with its base credentials, which then sign nothing but that STS call."""

    model_config = _ROLE_CONFIG

    role_arn: RoleArn = Field(
        description='The role\'s ARN, "acs:ram::<account>:role/<name>" (else '
        "ALIBABA_CLOUD_ROLE_ARN)."
    )
    session_name: SessionName | None = Field(
        default=None,
        description="The role session's name, 2-64 letters, digits and _.@- (else "
        "ALIBABA_CLOUD_ROLE_SESSION_NAME, else pulumi-eci-cache).",
    )
    policy: Policy | None = Field(
        default=None,
        description="A session policy (JSON) that narrows what the role may do.",
    )
    session_expiration: SessionSeconds | None = Field(
        default=None,
        description="How long each STS session lasts, 900-43200 s (default 3600; the "
        "role's own maximum session duration must allow it). Sessions are renewed ahead "
        "of their end.",
    )
    external_id: ExternalId | None = Field(
        default=None, description="The external id the role's trust policy asks for."
    )


@secrets.register
class AssumeRoleWithOidc(BaseModel):
    """A RAM role to act as with an OIDC token, no keys at all (pulumi-alicloud's
    ``assumeRoleWithOidc``): CI (GitHub Actions, GitLab, RRSA) writes the token."""

    model_config = _ROLE_CONFIG

    oidc_provider_arn: OidcProviderArn = Field(
        description="The OIDC identity provider's ARN, \"acs:ram::<account>:oidc-provider/"
        '<name>" (else ALIBABA_CLOUD_OIDC_PROVIDER_ARN).'
    )
    role_arn: RoleArn = Field(
        description='The role\'s ARN, "acs:ram::<account>:role/<name>" (else '
        "ALIBABA_CLOUD_ROLE_ARN)."
    )
    oidc_token: SecretStr | None = Field(
        default=None,
        description="The OIDC token itself (a secret); else oidcTokenFile.",
    )
    oidc_token_file: Annotated[str | None, Field(min_length=1)] = Field(
        default=None,
        description="A file holding the OIDC token, read again at every renewal (else "
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE).",
    )
    role_session_name: SessionName | None = Field(
        default=None,
        description="The role session's name, 2-64 letters, digits and _.@- (else "
        "ALIBABA_CLOUD_ROLE_SESSION_NAME, else pulumi-eci-cache).",
    )
    session_expiration: SessionSeconds | None = Field(
        default=None,
        description="How long each STS session lasts, 900-43200 s (default 3600).",
    )
    policy: Policy | None = Field(
        default=None,
        description="A session policy (JSON) that narrows what the role may do.",
    )
