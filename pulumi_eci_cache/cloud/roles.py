"""Acting as a role: the role chain a provider's settings name, assumed for real, renewed.

Platform teams deploy from CI with no long-lived keys (OIDC) and build into several
accounts by assuming a role in each. The settings say which (rules/config.py):

- ``assumeRoleWithOidc`` (else ``ALIBABA_CLOUD_ROLE_ARN`` +
  ``ALIBABA_CLOUD_OIDC_PROVIDER_ARN`` + ``ALIBABA_CLOUD_OIDC_TOKEN_FILE`` or
  ``ALIBABA_CLOUD_OIDC_TOKEN``): the role is assumed with the OIDC token alone, so no
  keys are needed at all;
- ``assumeRole`` (else ``ALIBABA_CLOUD_ROLE_ARN`` alone): the role is assumed with the
  base credentials (or, after an OIDC role, with that role's: a chain).

``role_chain`` reads them (pure); ``with_roles`` wraps the base credentials so every
ECI call is signed as the last role, and the base credentials sign only the STS call.
Each ``AssumedRole`` renews its session ahead of its end on the service's clock
(rules/expiry.py) in the background, so no wait pauses; callers block only when the
session is about to end, or the service said it has (``expired``). A refusal is one
sentence naming the role, the setting, STS's code and the fix (``RoleError``), and is
given again to every caller for a few seconds instead of asking STS again.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pydantic.alias_generators import to_snake

from pulumi_eci_cache.cloud.credentials import Credential, CredentialSource
from pulumi_eci_cache.cloud.sts import Session, StsClient
from pulumi_eci_cache.errors import (
    ApiError,
    ConfigError,
    EciCacheError,
    KeyNames,
    RoleError,
    TransportError,
    way_out,
)
from pulumi_eci_cache.rules.config import ProviderConfig
from pulumi_eci_cache.rules.expiry import Lease
from pulumi_eci_cache.rules.identity import Principal, account_of_arn, role_principal
from pulumi_eci_cache.rules.naming import Naming
from pulumi_eci_cache.rules.roles import DEFAULT_SESSION_SECONDS, AssumeRole

__all__ = ["AssumedRole", "RoleSpec", "cache_role", "role_chain", "with_roles"]

DEFAULT_SESSION_NAME = "pulumi-eci-cache"
# How long a refusal is answered from memory before STS is asked again.
REFUSAL_MEMORY_SECONDS = 10.0

_ENV_NAMES = {
    "roleArn": "ALIBABA_CLOUD_ROLE_ARN",
    "sessionName": "ALIBABA_CLOUD_ROLE_SESSION_NAME",
    "roleSessionName": "ALIBABA_CLOUD_ROLE_SESSION_NAME",
    "oidcProviderArn": "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    "oidcTokenFile": "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
    "oidcToken": "ALIBABA_CLOUD_OIDC_TOKEN",
}


@dataclass(frozen=True)
class RoleSpec:
    """One role to assume, and how the user named it (``names``: a field's setting)."""

    role_arn: str
    session_name: str
    duration: int
    policy: str | None = None
    external_id: str | None = None
    oidc_provider_arn: str | None = None
    oidc_token: str | None = field(default=None, repr=False)
    oidc_token_file: str | None = None
    names: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def oidc(self) -> bool:
        return self.oidc_provider_arn is not None

    def named(self, name: str) -> str:
        """How the user wrote field ``name`` (camelCase): a setting or a variable."""
        return self.names.get(name, name)


def _setting_field(keys: KeyNames, setting: str, name: str) -> str:
    """``alicloud:assumeRole.roleArn``; ``assumeRole.roleArn (provider pb)``."""
    shown = keys(setting)
    head, sep, tail = shown.partition(" (")
    return f"{head}.{name}{sep}{tail}"


def _names(
    keys: KeyNames, setting: str, fields: list[str], env: Mapping[str, str]
) -> dict[str, str]:
    """Each field's name as written: in the setting when it came from there, else its
    environment variable."""
    return {**{name: _setting_field(keys, setting, name) for name in fields}, **env}


def role_chain(
    config: ProviderConfig, environ: Mapping[str, str], keys: KeyNames
) -> list[RoleSpec]:
    """The roles the settings (then the environment) name, in the order they are assumed."""
    chain: list[RoleSpec] = []
    env_session = environ.get("ALIBABA_CLOUD_ROLE_SESSION_NAME") or None
    env_role = environ.get("ALIBABA_CLOUD_ROLE_ARN") or environ.get("ALICLOUD_ASSUME_ROLE_ARN")
    env_oidc = environ.get("ALIBABA_CLOUD_OIDC_PROVIDER_ARN")
    env_file = environ.get("ALIBABA_CLOUD_OIDC_TOKEN_FILE") or None
    env_token = environ.get("ALIBABA_CLOUD_OIDC_TOKEN") or None
    oidc = config.assume_role_with_oidc
    if oidc is not None:
        token = oidc.oidc_token.get_secret_value() if oidc.oidc_token else None
        token_file = oidc.oidc_token_file or (None if token else env_file)
        token = token or (None if token_file else env_token)
        setting_fields = [
            "roleArn",
            "oidcProviderArn",
            "roleSessionName",
            "sessionExpiration",
            "policy",
            "oidcToken",
            "oidcTokenFile",
        ]
        env_fields = {}
        if not oidc.oidc_token and not oidc.oidc_token_file:
            env_fields = {
                "oidcTokenFile": _ENV_NAMES["oidcTokenFile"],
                "oidcToken": _ENV_NAMES["oidcToken"],
            }
        if token is None and token_file is None:
            raise ConfigError(
                f"{keys('assume_role_with_oidc')} has no OIDC token: set its oidcTokenFile "
                "(or oidcToken, as a secret), or the environment variable "
                "ALIBABA_CLOUD_OIDC_TOKEN_FILE"
            )
        chain.append(
            RoleSpec(
                oidc.role_arn,
                oidc.role_session_name or env_session or DEFAULT_SESSION_NAME,
                oidc.session_expiration or DEFAULT_SESSION_SECONDS,
                oidc.policy,
                oidc_provider_arn=oidc.oidc_provider_arn,
                oidc_token=token,
                oidc_token_file=token_file,
                names=_names(keys, "assume_role_with_oidc", setting_fields, env_fields),
            )
        )
    elif env_role and env_oidc and (env_file or env_token):
        chain.append(
            RoleSpec(
                env_role,
                env_session or DEFAULT_SESSION_NAME,
                DEFAULT_SESSION_SECONDS,
                oidc_provider_arn=env_oidc,
                oidc_token=None if env_file else env_token,
                oidc_token_file=env_file,
                names=dict(_ENV_NAMES),
            )
        )
        env_role = None  # the variable named the OIDC role, not a second one
    role = config.assume_role
    if role is not None:
        named = functools.partial(_setting_field, keys, "assume_role")
        chain.append(_assume_role_spec(role, named, env_session))
    elif env_role and not chain:
        chain.append(
            RoleSpec(
                env_role,
                env_session or DEFAULT_SESSION_NAME,
                DEFAULT_SESSION_SECONDS,
                names=dict(_ENV_NAMES),
            )
        )
    return chain


def _assume_role_spec(
    role: AssumeRole, named: Callable[[str], str], env_session: str | None
) -> RoleSpec:
    fields = ["roleArn", "sessionName", "sessionExpiration", "policy", "externalId"]
    return RoleSpec(
        role.role_arn,
        role.session_name or env_session or DEFAULT_SESSION_NAME,
        role.session_expiration or DEFAULT_SESSION_SECONDS,
        role.policy,
        role.external_id,
        names={name: named(name) for name in fields},
    )


def cache_role(role: AssumeRole, naming: Naming, environ: Mapping[str, str]) -> RoleSpec:
    """A cache's own ``assume_role`` input as a role to assume, its fields named as the
    user's language spells the input (``assume_role.role_arn``, ``assumeRole.roleArn``)."""
    session = environ.get("ALIBABA_CLOUD_ROLE_SESSION_NAME") or None

    def named(field: str) -> str:
        return f"{naming.show('assume_role')}.{naming.show(to_snake(field))}"

    return _assume_role_spec(role, named, session)


def with_roles(
    chain: list[RoleSpec], base: CredentialSource, sts: StsClient | None
) -> CredentialSource:
    """``base`` wrapped so that every call is signed as the chain's last role. An OIDC
    role needs no base credentials at all (they are never resolved)."""
    if sts is None:
        raise ConfigError("no STS endpoint to assume a role at")  # pragma: no cover
    source: CredentialSource | None = None if chain[0].oidc else base
    for spec in chain:
        source = AssumedRole(spec, source, sts)
    assert source is not None
    return source


# What to do about STS refusing a role, by code prefix (first match wins); ``{x}`` are
# the role's fields as the user wrote them.
_ROLE_WAYS_OUT: tuple[tuple[str, str], ...] = (
    (
        "EntityNotExist.OIDCProvider",
        "No such OIDC provider: check {oidcProviderArn}",
    ),
    ("EntityNotExist.Role", "No such role: check the account and name in {roleArn}"),
    (
        "AuthenticationFail.OIDCToken.Expired",
        "The OIDC token{token_from} has expired: have CI write a fresh one before the run "
        "(it is read again at every renewal)",
    ),
    (
        "AuthenticationFail.OIDCToken",
        "The OIDC token{token_from} is not one {oidcProviderArn} accepts: its issuer and "
        "audience must be the provider's issuer URL and one of its client ids",
    ),
    (
        "InvalidParameter.DurationSeconds",
        "Lower {sessionExpiration} to at most the role's maximum session duration (RAM "
        "console: the role's MaxSessionDuration), or raise that",
    ),
    ("InvalidParameter.RoleSessionName", "Fix {sessionName}"),
    ("InvalidParameter.Policy", "Fix {policy}: a policy document in JSON"),
    ("InvalidParameter.RoleArn", "Fix {roleArn}"),
    ("InvalidParameter.ExternalId", "Fix {externalId}"),
)


# Codes that say the credentials signing AssumeRole were refused (not the role).
_BASE_REFUSED = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidSecurityToken")


# Codes that say the credentials signing AssumeRole were refused (not the role).
_BASE_REFUSED = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidSecurityToken")


class AssumedRole(CredentialSource):
    """One role's session: assumed on first use, renewed ahead of its end."""

    def __init__(
        self,
        spec: RoleSpec,
        caller: CredentialSource | None,
        sts: StsClient,
        background: bool = True,
    ) -> None:
        self.spec = spec
        self._caller = caller
        self._sts = sts
        self._background = background
        self._cond = threading.Condition()
        self._session: Session | None = None
        self._lease: Lease | None = None
        self._renewing = False
        self._refusal: tuple[float, EciCacheError] | None = None
        self.renewals = 0

    # -- the credential -----------------------------------------------------------------

    def __call__(self) -> Credential:
        with self._cond:
            while True:
                phase = "renew-now"
                if self._session is not None and self._lease is not None:
                    phase = self._lease.phase(self._sts.service_clock.now())
                if phase == "fresh":
                    assert self._session is not None
                    return self._session.credential
                if phase == "renew-ahead":
                    assert self._session is not None
                    if not self._renewing and self._background and not self._refused():
                        self._renewing = True
                        threading.Thread(
                            target=self._renew_quietly, name="sts-renew", daemon=True
                        ).start()
                    return self._session.credential
                refusal = self._refused()
                if refusal is not None:
                    raise refusal
                if not self._renewing:
                    self._renewing = True
                    break
                self._cond.wait()
        return self._renew().credential

    def expired(self, used: Credential) -> None:
        """The service refused ``used`` as expired: the next call renews (once, however
        many calls were refused with it)."""
        with self._cond:
            if self._session is not None and self._session.credential == used:
                self._session, self._lease = None, None

    def principal(self) -> Principal:
        """The role: its ARN is stable across sessions; its account is where caches live."""
        principal = role_principal(self.spec.role_arn)
        with self._cond:
            session = self._session
        if session is not None and principal.account_id is None:
            return Principal(
                principal.key, account_of_arn(session.assumed_role_arn), principal.shown
            )
        return principal

    # -- renewing -----------------------------------------------------------------------

    def _refused(self) -> EciCacheError | None:
        if self._refusal is None:
            return None
        at, error = self._refusal
        if time.monotonic() - at > REFUSAL_MEMORY_SECONDS:
            self._refusal = None
            return None
        return error

    def _renew_quietly(self) -> None:
        """A renewal ahead of time: on failure the session in hand serves on, and the
        renewal is tried again when it is about to end."""
        with contextlib.suppress(EciCacheError):
            self._renew()

    def _renew(self) -> Session:
        try:
            session = self._assume()
        except EciCacheError as exc:
            error = self._explain(exc)
            with self._cond:
                self._renewing = False
                self._refusal = (time.monotonic(), error)
                self._cond.notify_all()
            raise error from exc
        now = self._sts.service_clock.now()
        with self._cond:
            self._session, self._lease = session, Lease(now, session.expires)
            self._renewing, self._refusal = False, None
            self.renewals += 1
            self._cond.notify_all()
        return session

    def _assume(self) -> Session:
        spec = self.spec
        if spec.oidc:
            assert spec.oidc_provider_arn is not None
            return self._sts.assume_role_with_oidc(
                spec.oidc_provider_arn,
                spec.role_arn,
                self._oidc_token(),
                spec.session_name,
                spec.duration,
                spec.policy,
            )
        assert self._caller is not None
        return self._sts.assume_role(
            self._caller,
            spec.role_arn,
            spec.session_name,
            spec.duration,
            spec.policy,
            spec.external_id,
        )

    def _oidc_token(self) -> str:
        """The token, read again from its file at every renewal (CI rotates it)."""
        spec = self.spec
        if spec.oidc_token_file is None:
            assert spec.oidc_token is not None
            return spec.oidc_token
        try:
            with open(spec.oidc_token_file, encoding="utf-8") as f:
                token = f.read().strip()
        except OSError as exc:
            raise RoleError(
                spec.role_arn,
                spec.named("roleArn"),
                f"cannot read the OIDC token file {spec.oidc_token_file} (set by "
                f"{spec.named('oidcTokenFile')}): {exc.strerror or exc}",
                "Have CI write the token there before the run, or point the setting at it",
            ) from exc
        if not token:
            raise RoleError(
                spec.role_arn,
                spec.named("roleArn"),
                f"the OIDC token file {spec.oidc_token_file} (set by "
                f"{spec.named('oidcTokenFile')}) is empty",
                "Have CI write the token there before the run",
            )
        return token

    def _explain(self, exc: EciCacheError) -> EciCacheError:
        """STS's refusal as one sentence about this role (other errors as they are)."""
        spec = self.spec
        if isinstance(exc, RoleError):
            return exc
        if isinstance(exc, TransportError):
            return RoleError(spec.role_arn, spec.named("roleArn"), str(exc))
        if not isinstance(exc, ApiError):
            return exc
        cause = f"STS {exc.action} refused it: {exc.code}: {exc.message}"
        if exc.request_id:
            cause += f" (RequestId {exc.request_id}, HTTP {exc.http_status})"
        return RoleError(spec.role_arn, spec.named("roleArn"), cause, self._way_out(exc))

    def _way_out(self, exc: ApiError) -> str:
        spec = self.spec
        names = ("roleArn", "sessionExpiration", "policy", "externalId", "oidcProviderArn")
        fields = {name: spec.named(name) for name in names}
        fields["sessionName"] = spec.named("roleSessionName" if spec.oidc else "sessionName")
        fields["token_from"] = (
            f" in {spec.oidc_token_file} ({spec.named('oidcTokenFile')})"
            if spec.oidc_token_file
            else f" ({spec.named('oidcToken')})"
        )
        for prefix, advice in _ROLE_WAYS_OUT:
            if exc.code.startswith(prefix):
                return advice.format(**fields)
        if exc.code == "NoPermission":
            if spec.oidc:
                return (
                    f"Trust the OIDC provider {spec.oidc_provider_arn} in the role's trust "
                    f"policy (for this token's subject), or name another role in "
                    f"{fields['roleArn']}"
                )
            return (
                f"Let {self._caller_name()} assume it: trust it in the role's trust policy "
                f"and grant it sts:AssumeRole, or name another role in {fields['roleArn']}"
                + (f"; check {fields['externalId']}" if spec.external_id else "")
            )
        base = way_out(exc.action, exc.code, exc.http_status, self._sts.keys)
        if exc.code.startswith(_BASE_REFUSED):
            return f"The credentials that assume the role are refused. {base}"
        return base

    def _caller_name(self) -> str:
        caller = self._caller
        if isinstance(caller, AssumedRole):
            return f"role {caller.spec.role_arn}"
        try:
            principal = caller.principal() if caller is not None else None
        except EciCacheError:
            principal = None
        return principal.shown if principal is not None and principal.shown else "the caller"
