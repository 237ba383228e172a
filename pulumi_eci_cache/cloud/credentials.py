"""Where the region, the access key and the endpoint come from.

Users of Alibaba Cloud tools expect one order, most explicit first:

1. the provider's settings (rules/config.py): ``accessKey`` / ``secretKey`` /
   ``securityToken``, ``region``, ``profile`` -- ``alicloud:accessKey`` and so on in the
   dynamic face's stack config (what pulumi-alicloud users already set), the
   ``ecicache`` provider's configuration in the plugin;
2. environment: ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``,
   then the older ``ALICLOUD_ACCESS_KEY`` / ``ALICLOUD_SECRET_KEY`` / ``ALICLOUD_SECURITY_TOKEN``;
3. the aliyun CLI profile file (``~/.aliyun/config.json``, profile from ``alicloud:profile``
   or ``ALIBABA_CLOUD_PROFILE``), which also covers STS, RAM-role-ARN and ECS-role profiles;
4. the shared credentials file (``~/.alibabacloud/credentials.ini`` or
   ``ALIBABA_CLOUD_CREDENTIALS_FILE``);
5. the ECS instance RAM role, only when a role name is named (``alicloud:ecsRoleName`` or
   ``ALIBABA_CLOUD_ECS_METADATA``): probing the metadata service unasked would hang
   every run made off ECS.

Steps 3-5 are served by the well-kept ``alibabacloud-credentials`` library; we only
choose the order, and read the environment at call time (the library reads it at
import time, which would freeze it for a long-lived provider process).

On top of those base credentials, a role the settings name (``assumeRole``,
``assumeRoleWithOidc``, or ``ALIBABA_CLOUD_ROLE_ARN`` with the OIDC variables) is
assumed for real (roles.py): the base credentials then sign the STS call alone, and
every ECI call is signed as the role. The library's role providers are not used for
that: they hard-code https for STS (no emulator, no private endpoint) and cannot name
the role in their errors.

Nothing here is ever stored on a pickled object: the provider resolves it per process.
Messages name each setting the way the user's face spells it (``KeyNames``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pulumi_eci_cache.errors import ConfigError, KeyNames
from pulumi_eci_cache.rules.config import ProviderConfig, stack_key
from pulumi_eci_cache.rules.identity import Principal, role_principal

if TYPE_CHECKING:
    pass

__all__ = [
    "Credential",
    "CredentialChain",
    "CredentialSource",
    "StaticCredentials",
    "cli_profile",
    "configured_role",
    "first_of",
]


@dataclass(frozen=True)
class Credential:
    """One access key (with its STS token, if any). ``repr`` hides the secrets."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    source: str = ""


class CredentialSource:
    """Where a provider's credentials come from, and who they are.

    Called before every request (``source()``): a source that renews its credentials
    answers with the current ones. ``expired`` is told when the service refused a
    credential as expired, so the next call gets a fresh one; ``principal`` is who the
    credentials act as (identity.py), learned once.
    """

    def __call__(self) -> Credential:
        raise NotImplementedError

    def expired(self, used: Credential) -> None:
        """The service said ``used`` has expired (nothing to do for long-term keys)."""

    def principal(self) -> Principal | None:
        """Who these credentials act as; None when nothing stable says so."""
        credential = self()
        if not credential.security_token:
            return Principal(
                f"access-key:{credential.access_key_id}",
                shown=f"access key {credential.access_key_id}",
            )
        return None


class StaticCredentials(CredentialSource):
    """One fixed key pair (tests, benchmarks, the emulator demo)."""

    def __init__(
        self, access_key_id: str, access_key_secret: str, security_token: str | None = None
    ) -> None:
        self._credential = Credential(access_key_id, access_key_secret, security_token, "static")

    def __call__(self) -> Credential:
        return self._credential


def first_of(mapping: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = mapping.get(key)
        if value:
            return str(value)
    return None


def _static(
    config: ProviderConfig, environ: Mapping[str, str], keys: KeyNames
) -> Credential | None:
    settings = {
        keys(name): config.secret(name) for name in ("access_key", "secret_key", "security_token")
    }
    sources: list[tuple[str, Mapping[str, Any], tuple[str, str, str]]] = [
        (
            "the provider's settings",
            settings,
            (keys("access_key"), keys("secret_key"), keys("security_token")),
        ),
        (
            "environment ALIBABA_CLOUD_*",
            environ,
            (
                "ALIBABA_CLOUD_ACCESS_KEY_ID",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                "ALIBABA_CLOUD_SECURITY_TOKEN",
            ),
        ),
        (
            "environment ALICLOUD_*",
            environ,
            ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN"),
        ),
    ]
    for source, mapping, (id_key, secret_key, token_key) in sources:
        key_id, secret = first_of(mapping, id_key), first_of(mapping, secret_key)
        if key_id and secret:
            return Credential(key_id, secret, first_of(mapping, token_key), source)
        if key_id or secret:
            missing = secret_key if key_id else id_key
            raise ConfigError(f"only half an access key in {source}: {missing} is missing")
    return None


def _library_chain(config: ProviderConfig, environ: Mapping[str, str]) -> list[Any]:
    """The providers of alibabacloud-credentials, configured from *this* call's environment."""
    from alibabacloud_credentials.provider import (
        CLIProfileCredentialsProvider,
        EcsRamRoleCredentialsProvider,
        ProfileCredentialsProvider,
    )

    home = environ.get("HOME") or os.path.expanduser("~")
    profile = config.profile or environ.get("ALIBABA_CLOUD_PROFILE")
    chain: list[Any] = [
        CLIProfileCredentialsProvider(
            profile_name=profile, profile_file=os.path.join(home, ".aliyun", "config.json")
        ),
        ProfileCredentialsProvider(
            profile_file=environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE")
            or os.path.join(home, ".alibabacloud", "credentials.ini"),
            profile_name=profile,
        ),
    ]
    role = config.ecs_role_name or environ.get("ALIBABA_CLOUD_ECS_METADATA")
    if role:
        chain.append(EcsRamRoleCredentialsProvider(role_name=role))
    return chain


class CredentialChain(CredentialSource):
    """The base credentials: resolved on first use, asked again when a library one expires.

    Static keys are returned as they are; library providers (a CLI profile's role, an
    ECS role) refresh themselves, so we call them on every request and they answer
    from their cache. ``identify`` (STS GetCallerIdentity) names the role behind a bare
    STS token when nothing configured does.
    """

    def __init__(
        self,
        config: ProviderConfig | None = None,
        environ: Mapping[str, str] | None = None,
        keys: KeyNames = stack_key,
        identify: Callable[[Credential], Principal | None] | None = None,
    ) -> None:
        self._config = config or ProviderConfig()
        self._environ = dict(os.environ if environ is None else environ)
        self._keys = keys
        self._identify = identify
        self._lock = threading.Lock()
        self._static: Credential | None = None
        self._provider: Any = None
        self._principal: tuple[Principal | None] | None = None

    def principal(self) -> Principal | None:
        """An access key is itself; a token is the role a profile or the ECS instance
        names, else the one STS says it is (asked once)."""
        with self._lock:
            if self._principal is not None:
                return self._principal[0]
        credential = self()
        found: Principal | None
        if not credential.security_token:
            found = super().principal()
        else:
            role = configured_role(self._config, self._environ, cli_profile(self._environ, None))
            if role:
                found = role_principal(role)
            else:
                found = self._identify(credential) if self._identify else None
        with self._lock:
            self._principal = (found,)
        return found

    def __call__(self) -> Credential:
        with self._lock:
            if self._static is None and self._provider is None:
                self._resolve()
            if self._static is not None:
                return self._static
            got = self._provider.get_credentials()
            return Credential(
                got.get_access_key_id(),
                got.get_access_key_secret(),
                got.get_security_token(),
                got.get_provider_name(),
            )

    def _resolve(self) -> None:
        self._static = _static(self._config, self._environ, self._keys)
        if self._static is not None:
            return
        errors = []
        for provider in _library_chain(self._config, self._environ):
            try:
                provider.get_credentials()
            except Exception as exc:  # the library raises plain Exceptions; keep its words
                errors.append(f"{type(provider).__name__}: {exc}")
                continue
            self._provider = provider
            return
        raise ConfigError(
            f"no Alibaba Cloud credentials found. Set {self._keys('access_key')} and "
            f"{self._keys('secret_key')} (as a secret), or ALIBABA_CLOUD_ACCESS_KEY_ID and "
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET, or an aliyun CLI profile. Tried: " + "; ".join(errors)
        )


def cli_profile(environ: Mapping[str, str], profile: str | None) -> Mapping[str, Any]:
    """The aliyun CLI profile in use (``~/.aliyun/config.json``), or {}."""
    import json

    path = os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".aliyun", "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return {}
    wanted = profile or doc.get("current") or "default"
    for entry in doc.get("profiles", []):
        if entry.get("name") == wanted:
            return dict(entry)
    return {}


def configured_role(
    config: ProviderConfig, environ: Mapping[str, str], cli_profile: Mapping[str, Any]
) -> str | None:
    """The RAM role that base credentials from a library source act as: the aliyun CLI
    profile's role, or an ECS instance role (roles the provider assumes itself name
    their own principal, roles.py)."""
    arn = first_of(cli_profile, "ram_role_arn")
    if arn:
        return arn
    ecs_role = config.ecs_role_name or first_of(environ, "ALIBABA_CLOUD_ECS_METADATA")
    ecs_role = ecs_role or first_of(cli_profile, "ram_role_name")
    return f"ecs-role:{ecs_role}" if ecs_role else None
