"""Accounts, their identities and keys, RAM roles, OIDC providers, and STS's rules.

A provider that assumes a role (``assume_role``, ``assume_role_with_oidc``) acts in
another account than the key it starts from, so the emulator must know whose key
signed a call: every access key belongs to an account (a 16-digit id) and to one
identity in it, the account's root (``acs:ram::<acct>:root``), a RAM user
(``acs:ram::<acct>:user/<name>``) or, for a temporary key STS issued, the assumed role
(``acs:ram::<acct>:assumed-role/<role>/<session>``). ``IamBackend`` holds them with the
roles (trust policy, maximum session, ExternalId) and OIDC providers (issuer, client
ids), and answers the three STS actions as the documentation of STS 2015-04-01 says:
a role is assumed only by a principal its trust policy names (an account id, or a
principal ARN: a RAM user, a role for chaining, a root standing for its whole
account, as RAM reads ``acs:ram::<acct>:root``), never by an account's root key
("You cannot use an Alibaba Cloud account to call this operation"), for 900 s up to
the role's maximum; an OIDC token is taken when its issuer and audience are the
provider's and it has not expired (its signature is not checked: see
``oidc_tokens``). Temporary keys expire on the emulator's clock (``now``), or after
``token_lifetime_seconds`` when a test sets it. Ids derived from names (role ids,
user ids) are stable digests, so a restarted emulator answers the same ones.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .clock import iso_time
from .exceptions import (
    NOT_AUTHORIZED,
    AuthenticationFail,
    EntityNotExist,
    InvalidParameter,
    NoPermission,
)
from .oidc_tokens import mint_token, read_claims

__all__ = [
    "ACCOUNT_ID",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_SESSION_SECONDS",
    "DEFAULT_USER",
    "MAX_SESSION_SECONDS",
    "MIN_SESSION_SECONDS",
    "OIDC_PROVIDER_ARN",
    "ROLE_ARN",
    "SESSION_NAME",
    "AccessKey",
    "IamBackend",
    "OidcClaims",
    "OidcProvider",
    "Role",
    "Session",
    "Trust",
    "role_id_of",
]

DEFAULT_ACCOUNT_ID = "1000000000000000"
DEFAULT_USER = "emulator"
MIN_SESSION_SECONDS = 900
DEFAULT_SESSION_SECONDS = 3600
MAX_SESSION_SECONDS = 43200

_ACCOUNT = r"[0-9]{16}"
_NAME = r"[A-Za-z0-9_.@-]{1,64}"
ACCOUNT_ID = re.compile(_ACCOUNT)
ROLE_ARN = re.compile(rf"acs:ram::({_ACCOUNT}):role/({_NAME})")
OIDC_PROVIDER_ARN = re.compile(rf"acs:ram::({_ACCOUNT}):oidc-provider/([A-Za-z0-9_.-]{{1,128}})")
PRINCIPAL_ARN = re.compile(rf"acs:ram::({_ACCOUNT}):(root|user/{_NAME}|role/{_NAME})")
USER_NAME = re.compile(_NAME)
SESSION_NAME = re.compile(r"[A-Za-z0-9_.@-]{2,64}")

_ALPHANUMERIC = string.ascii_letters + string.digits


def _random(length: int, alphabet: str = _ALPHANUMERIC) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _stable_id(first_digit: str, seed: str, digits: int) -> str:
    """A numeric id derived from ``seed``: the same entity gets the same id after a restart."""
    number = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:8], "big")
    return first_digit + str(number % 10 ** (digits - 1)).zfill(digits - 1)


def role_id_of(role_arn: str) -> str:
    """The RoleId of a role (stable: derived from its ARN)."""
    return _stable_id("3", role_arn, 18)


def _check(pattern: re.Pattern[str], what: str, value: object) -> str:
    """``value`` if it is a string matching ``pattern``; ValueError (the admin API's 400)."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not valid (expected {pattern.pattern})")
    return value


@dataclass
class AccessKey:
    """A key pair the emulator accepts, and whose it is.

    ``security_token``: None for a long-term key (no token allowed); "*" for an STS key
    taking any token; else the one valid token. ``user``: the RAM user the key belongs
    to, None for the account's root. A temporary key STS issued names the role it
    assumed (``role_arn``, ``session_name``) and expires at ``expiration`` (epoch
    seconds on the emulator's clock).
    """

    secret: str
    security_token: str | None = None
    account_id: str = DEFAULT_ACCOUNT_ID
    user: str | None = None
    role_arn: str | None = None
    session_name: str | None = None
    expiration: float | None = None

    @property
    def is_root(self) -> bool:
        return self.user is None and self.role_arn is None

    @property
    def principal(self) -> str:
        """The ARN of the identity the key signs as."""
        if self.role_arn is not None:
            role_name = self.role_arn.rsplit("/", 1)[1]
            return f"acs:ram::{self.account_id}:assumed-role/{role_name}/{self.session_name}"
        if self.user is not None:
            return f"acs:ram::{self.account_id}:user/{self.user}"
        return f"acs:ram::{self.account_id}:root"


@dataclass
class Trust:
    """Who may assume a role: any identity of these ``accounts``; the ``principals``
    (ARNs of RAM users, of roles whose sessions may chain, or ``acs:ram::<acct>:root``
    meaning the whole account); holders of a token of these ``oidc_providers``."""

    accounts: list[str] = field(default_factory=list)
    principals: list[str] = field(default_factory=list)
    oidc_providers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("accounts", "principals", "oidc_providers"):
            if isinstance(getattr(self, name), str):
                raise ValueError(f"a trust's {name} is a list, not a string")
            setattr(self, name, list(getattr(self, name)))
        for account in self.accounts:
            _check(ACCOUNT_ID, "trusted account", account)
        for principal in self.principals:
            _check(PRINCIPAL_ARN, "trusted principal", principal)
        for provider in self.oidc_providers:
            _check(OIDC_PROVIDER_ARN, "trusted OIDC provider", provider)

    @classmethod
    def of(cls, trust: Trust | Mapping[str, Iterable[str]] | None) -> Trust:
        """A ``Trust`` from itself, its JSON shape, or None (nobody)."""
        if isinstance(trust, Trust):
            return trust
        names = ("accounts", "principals", "oidc_providers")
        shape = dict(trust or {})
        if set(shape) - set(names):
            raise ValueError(f"a trust names {', '.join(names)}; not {set(shape) - set(names)}")
        # __post_init__ refuses a string and makes each a list.
        return cls(*(shape.get(name, []) for name in names))  # type: ignore[arg-type]

    def trusts(self, key: AccessKey) -> bool:
        """Whether the identity ``key`` signs as may assume the role."""
        account_root = f"acs:ram::{key.account_id}:root"
        return (
            key.account_id in self.accounts
            or account_root in self.principals
            or key.principal in self.principals
            or (key.role_arn is not None and key.role_arn in self.principals)
        )


@dataclass
class Role:
    """A RAM role: ``acs:ram::<acct>:role/<name>``, its trust policy and session limits."""

    arn: str
    trust: Trust = field(default_factory=Trust)
    max_session_seconds: int = DEFAULT_SESSION_SECONDS
    external_id: str | None = None

    def __post_init__(self) -> None:
        _check(ROLE_ARN, "role ARN", self.arn)
        if self.external_id is not None and not isinstance(self.external_id, str):
            raise ValueError(f"external_id {self.external_id!r} is not a string")
        if not DEFAULT_SESSION_SECONDS <= self.max_session_seconds <= MAX_SESSION_SECONDS:
            raise ValueError(
                f"max_session_seconds {self.max_session_seconds} is not within "
                f"{DEFAULT_SESSION_SECONDS}..{MAX_SESSION_SECONDS} (RAM's MaxSessionDuration)"
            )

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[3]

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[1]

    @property
    def role_id(self) -> str:
        return role_id_of(self.arn)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "role_id": self.role_id}


@dataclass
class OidcProvider:
    """An OIDC identity provider RAM trusts: tokens of ``issuer`` for ``client_ids``."""

    arn: str
    issuer: str
    client_ids: list[str]

    def __post_init__(self) -> None:
        _check(OIDC_PROVIDER_ARN, "OIDC provider ARN", self.arn)
        if not isinstance(self.issuer, str) or not self.issuer.startswith("https://"):
            raise ValueError(f"issuer {self.issuer!r} is not an https:// URL")
        if isinstance(self.client_ids, str) or not self.client_ids:
            raise ValueError(f"client_ids {self.client_ids!r} must be a non-empty list")
        if not all(isinstance(c, str) and c for c in self.client_ids):
            raise ValueError(f"client_ids {self.client_ids!r} must be non-empty strings")
        self.client_ids = list(self.client_ids)

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[3]


@dataclass(frozen=True)
class Session:
    """What AssumeRole / AssumeRoleWithOIDC hand out: a temporary key for a role."""

    key_id: str
    key: AccessKey
    role: Role

    def to_api(self) -> dict[str, Any]:
        return {
            "AssumedRoleUser": {
                "Arn": self.key.principal,
                "AssumedRoleId": f"{self.role.role_id}:{self.key.session_name}",
            },
            "Credentials": {
                "AccessKeyId": self.key_id,
                "AccessKeySecret": self.key.secret,
                "SecurityToken": self.key.security_token,
                "Expiration": iso_time(self.key.expiration or 0.0),
            },
        }


@dataclass(frozen=True)
class OidcClaims:
    """The claims of an accepted OIDC token that AssumeRoleWithOIDC reports back."""

    provider_arn: str
    subject: str
    issuer: str
    audiences: tuple[str, ...]

    def to_api(self) -> dict[str, str]:
        # ClientIds: the token's audiences, comma-separated (a string, as documented).
        return {
            "Subject": self.subject,
            "Issuer": self.issuer,
            "ClientIds": ",".join(self.audiences),
        }


def _expired_token() -> AuthenticationFail:
    return AuthenticationFail("This JsonWebToken is expired.", "OIDCToken.Expired")


def _invalid_token(why: str) -> AuthenticationFail:
    return AuthenticationFail(f"The OIDCToken is invalid: {why}.", "OIDCToken.Invalid")


def _audiences(claims: Mapping[str, Any]) -> tuple[str, ...]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return (aud,)
    if isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        return tuple(aud)
    raise _invalid_token("its aud claim is not a string or a list of strings")


class IamBackend:
    """The accounts, keys, roles and OIDC providers of one emulator, and STS's answers.

    ``now`` is the emulated service's clock; ``on_change`` is called after every change
    a restart must not lose (the served emulator then writes its state file).
    """

    def __init__(
        self,
        now: Callable[[], float],
        default_account_id: str = DEFAULT_ACCOUNT_ID,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.now = now
        self.default_account_id = _check(ACCOUNT_ID, "account id", default_account_id)
        self.accounts: set[str] = {default_account_id}
        self.access_keys: dict[str, AccessKey] = {}
        self.roles: dict[str, Role] = {}
        self.oidc_providers: dict[str, OidcProvider] = {}
        self.token_lifetime_seconds: float | None = None
        self._on_change = on_change or (lambda: None)

    # -- setting it up --------------------------------------------------------------
    def add_account(self, account_id: str, keys: Iterable[Mapping[str, Any]] = ()) -> None:
        """An account with its keys, each ``{"id", "secret", "user": name | None (root),
        "security_token": optional}``."""
        self.accounts.add(_check(ACCOUNT_ID, "account id", account_id))
        for key in keys:
            self.add_access_key(
                str(key["id"]),
                str(key["secret"]),
                key.get("security_token"),
                account_id=account_id,
                user=key.get("user"),
            )
        self._on_change()

    def add_access_key(
        self,
        key_id: str,
        secret: str,
        security_token: str | None = None,
        account_id: str | None = None,
        user: str | None = None,
    ) -> AccessKey:
        """Accept this key from now on, for ``user`` (None: the root) of ``account_id``
        (None: the default account); an id already known is replaced."""
        account = self.default_account_id if account_id is None else account_id
        self.accounts.add(_check(ACCOUNT_ID, "account id", account))
        if user is not None:
            _check(USER_NAME, "user name", user)
        key = AccessKey(secret, security_token, account, user)
        self.access_keys[key_id] = key
        self._on_change()
        return key

    def add_role(
        self,
        arn: str,
        trust: Trust | Mapping[str, Iterable[str]] | None = None,
        max_session_seconds: int = DEFAULT_SESSION_SECONDS,
        external_id: str | None = None,
    ) -> Role:
        """A role STS lets ``trust``'s principals assume (one with this ARN is replaced)."""
        role = Role(arn, Trust.of(trust), int(max_session_seconds), external_id)
        self.accounts.add(role.account_id)
        self.roles[arn] = role
        self._on_change()
        return role

    def add_oidc_provider(self, arn: str, issuer: str, client_ids: Iterable[str]) -> OidcProvider:
        # A string is refused by OidcProvider, not split into characters.
        ids: Any = client_ids if isinstance(client_ids, str) else list(client_ids)
        provider = OidcProvider(arn, issuer, ids)
        self.accounts.add(provider.account_id)
        self.oidc_providers[arn] = provider
        self._on_change()
        return provider

    def configure(self, config: Mapping[str, Any]) -> None:
        """Apply ``{"accounts": [{"id", "access_keys": [...]}], "roles": [{"arn",
        "trust", "max_session_seconds", "external_id"}], "providers": [{"arn",
        "issuer", "client_ids"}]}`` (the admin API's bodies and ``--iam``'s file)."""
        unknown = set(config) - {"accounts", "roles", "providers"}
        if unknown:
            raise ValueError(f"IAM configuration names accounts, roles, providers; not {unknown}")
        for account in config.get("accounts", ()):
            self.add_account(str(account["id"]), account.get("access_keys", ()))
        for role in config.get("roles", ()):
            self.add_role(
                role["arn"],
                role.get("trust"),
                role.get("max_session_seconds", DEFAULT_SESSION_SECONDS),
                role.get("external_id"),
            )
        for provider in config.get("providers", ()):
            self.add_oidc_provider(provider["arn"], provider["issuer"], provider["client_ids"])

    def oidc_token(
        self,
        provider_arn: str,
        subject: str,
        lifetime_seconds: float,
        audience: str | list[str] | None = None,
    ) -> str:
        """A JWT as ``provider_arn``'s issuer would sign it for ``subject``, expiring
        ``lifetime_seconds`` from now on the emulator's clock; ``aud`` is ``audience``,
        else the provider's first client id."""
        provider = self.oidc_providers.get(provider_arn)
        if provider is None:
            raise ValueError(f"no OIDC provider {provider_arn!r}")
        now = self.now()
        return mint_token(
            {
                "iss": provider.issuer,
                "sub": subject,
                "aud": provider.client_ids[0] if audience is None else audience,
                "iat": math.floor(now),
                "exp": math.floor(now + lifetime_seconds),
            }
        )

    # -- STS ------------------------------------------------------------------------
    def assume_role(
        self,
        caller: AccessKey,
        role_arn: str,
        session_name: str,
        duration_seconds: int | None = None,
        policy: str | None = None,
        external_id: str | None = None,
    ) -> Session:
        """AssumeRole signed by ``caller``. ``policy`` narrows what the session may do;
        the emulator authorises nothing per action, so it is checked, not applied."""
        role = self._role(role_arn)
        if caller.is_root or not role.trust.trusts(caller):
            raise NoPermission(NOT_AUTHORIZED)
        if role.external_id is not None and external_id != role.external_id:
            raise NoPermission(NOT_AUTHORIZED)
        return self._issue(role, session_name, duration_seconds)

    def assume_role_with_oidc(
        self,
        provider_arn: str,
        role_arn: str,
        token: str,
        session_name: str | None = None,
        duration_seconds: int | None = None,
        policy: str | None = None,
    ) -> tuple[Session, OidcClaims]:
        """AssumeRoleWithOIDC (unsigned: the token is the credential)."""
        provider = self.oidc_providers.get(provider_arn)
        if provider is None:
            raise EntityNotExist(
                f"The specified OIDC provider {provider_arn} does not exist.", "OIDCProvider"
            )
        role = self._role(role_arn)
        claims = self._accept_token(provider, token)
        if provider.arn not in role.trust.oidc_providers:
            raise NoPermission(NOT_AUTHORIZED)
        session = session_name or f"oidc-{_random(12, string.digits)}"
        return self._issue(role, session, duration_seconds), claims

    def get_caller_identity(self, caller: AccessKey) -> dict[str, str]:
        """Who signed: GetCallerIdentity's answer (without RequestId)."""
        if caller.role_arn is not None:
            role_id = role_id_of(caller.role_arn)
            principal_id = f"{role_id}:{caller.session_name}"
            return self._identity(caller, "AssumedRoleUser", principal_id) | {"RoleId": role_id}
        if caller.user is not None:
            return self._identity(caller, "RAMUser", _stable_id("2", caller.principal, 16))
        return self._identity(caller, "Account", caller.account_id)

    @staticmethod
    def _identity(caller: AccessKey, kind: str, principal_id: str) -> dict[str, str]:
        return {
            "AccountId": caller.account_id,
            "Arn": caller.principal,
            "IdentityType": kind,
            "PrincipalId": principal_id,
            "UserId": principal_id,
        }

    def _role(self, arn: str) -> Role:
        role = self.roles.get(arn)
        if role is None:
            raise EntityNotExist(f"The role {arn} does not exist.", "Role")
        return role

    def _accept_token(self, provider: OidcProvider, token: str) -> OidcClaims:
        try:
            claims = read_claims(token)
        except ValueError as exc:
            raise _invalid_token(str(exc)) from exc
        if claims.get("iss") != provider.issuer:
            raise _invalid_token(f"its issuer is not the OIDC provider's ({provider.issuer})")
        audiences = _audiences(claims)
        if not set(audiences) & set(provider.client_ids):
            raise _invalid_token("none of its audiences is a client id of the OIDC provider")
        subject, expires = claims.get("sub"), claims.get("exp")
        if not isinstance(subject, str) or not subject:
            raise _invalid_token("it has no sub claim")
        if isinstance(expires, bool) or not isinstance(expires, (int, float)):
            raise _invalid_token("its exp claim is not a number")
        if expires <= self.now():
            raise _expired_token()
        return OidcClaims(provider.arn, subject, provider.issuer, audiences)

    def _issue(self, role: Role, session_name: str, duration_seconds: int | None) -> Session:
        duration = DEFAULT_SESSION_SECONDS if duration_seconds is None else duration_seconds
        if not MIN_SESSION_SECONDS <= duration <= role.max_session_seconds:
            raise InvalidParameter(
                f"The Min/Max value of DurationSeconds is {MIN_SESSION_SECONDS}/"
                f"{role.max_session_seconds} seconds for the role {role.arn}.",
                "DurationSeconds",
            )
        lifetime = duration if self.token_lifetime_seconds is None else self.token_lifetime_seconds
        key = AccessKey(
            secret=_random(40),
            security_token="CAIS" + _random(120, _ALPHANUMERIC + "+/"),
            account_id=role.account_id,
            role_arn=role.arn,
            session_name=session_name,
            expiration=float(math.floor(self.now() + lifetime)),
        )
        key_id = "STS." + _random(24)
        self.access_keys[key_id] = key
        self._on_change()
        return Session(key_id, key, role)

    # -- views and persistence ------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The admin view (``GET /_emulator/iam``): key ids and users, never a secret or token."""
        accounts = []
        for account in sorted(self.accounts):
            keys = [(i, k) for i, k in self.access_keys.items() if k.account_id == account]
            accounts.append(
                {
                    "id": account,
                    "access_keys": [
                        {"id": i, "user": k.user} for i, k in keys if k.role_arn is None
                    ],
                    "temporary_keys": [
                        {
                            "id": i,
                            "role": k.role_arn,
                            "session": k.session_name,
                            "principal": k.principal,
                            "expiration": iso_time(k.expiration or 0.0),
                        }
                        for i, k in keys
                        if k.role_arn is not None
                    ],
                }
            )
        return {
            "default_account_id": self.default_account_id,
            "accounts": accounts,
            "roles": [role.to_json() for role in self.roles.values()],
            "providers": [asdict(p) for p in self.oidc_providers.values()],
            "token_lifetime_seconds": self.token_lifetime_seconds,
        }

    def to_state(self) -> dict[str, Any]:
        """Everything a restart must not lose (secrets included: it is the state file)."""
        return {
            "accounts": sorted(self.accounts),
            "access_keys": {key_id: asdict(key) for key_id, key in self.access_keys.items()},
            "roles": [asdict(role) for role in self.roles.values()],
            "providers": [asdict(p) for p in self.oidc_providers.values()],
        }

    def load_state(self, state: Mapping[str, Any]) -> None:
        """Add what ``state`` holds and this backend does not: what is configured already
        (the command line's key, ``--iam``) wins over an older state file."""
        self.accounts.update(state.get("accounts", ()))
        for key_id, key in state.get("access_keys", {}).items():
            self.access_keys.setdefault(key_id, AccessKey(**key))
        for role in state.get("roles", ()):
            if role["arn"] not in self.roles:
                self.roles[role["arn"]] = Role(**{**role, "trust": Trust(**role["trust"])})
        for provider in state.get("providers", ()):
            self.oidc_providers.setdefault(provider["arn"], OidcProvider(**provider))
