"""Where the region, the access key and the endpoint come from.

Users of Alibaba Cloud tools expect one order, most explicit first:

1. stack config: ``alicloud:accessKey`` / ``alicloud:secretKey`` / ``alicloud:securityToken``
   (what pulumi-alicloud users already set), ``alicloud:region``, ``alicloud:profile``;
2. environment: ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``,
   then the older ``ALICLOUD_ACCESS_KEY`` / ``ALICLOUD_SECRET_KEY`` / ``ALICLOUD_SECURITY_TOKEN``;
3. the aliyun CLI profile file (``~/.aliyun/config.json``, profile from ``alicloud:profile``
   or ``ALIBABA_CLOUD_PROFILE``), which also covers STS, RAM-role-ARN and ECS-role profiles;
4. the shared credentials file (``~/.alibabacloud/credentials.ini`` or
   ``ALIBABA_CLOUD_CREDENTIALS_FILE``);
5. RRSA / OIDC role (``ALIBABA_CLOUD_OIDC_TOKEN_FILE`` + role and provider ARNs);
6. the ECS instance RAM role, only when a role name is named (``alicloud:ecsRoleName`` or
   ``ALIBABA_CLOUD_ECS_METADATA``): probing the metadata service unasked would hang
   every run made off ECS.

Steps 3-6 are served by the well-kept ``alibabacloud-credentials`` library; we only
choose the order, and read the environment at call time (the library reads it at
import time, which would freeze it for a long-lived provider process).
Nothing here is ever stored on a pickled object: the provider resolves it per process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_eci_cache.errors import ConfigError

__all__ = [
    "Credential",
    "CredentialChain",
    "Settings",
    "configured_role",
    "resolve_settings",
]

DEFAULT_ENDPOINT_TEMPLATE = "https://eci.{region}.aliyuncs.com"


@dataclass(frozen=True)
class Credential:
    """One access key (with its STS token, if any). ``repr`` hides the secrets."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    source: str = ""


def _first(mapping: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = mapping.get(key)
        if value:
            return str(value)
    return None


def _static(config: Mapping[str, Any], environ: Mapping[str, str]) -> Credential | None:
    sources: list[tuple[str, Mapping[str, Any], tuple[str, str, str]]] = [
        (
            "stack config",
            config,
            ("alicloud:accessKey", "alicloud:secretKey", "alicloud:securityToken"),
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
        key_id, secret = _first(mapping, id_key), _first(mapping, secret_key)
        if key_id and secret:
            return Credential(key_id, secret, _first(mapping, token_key), source)
        if key_id or secret:
            missing = secret_key if key_id else id_key
            raise ConfigError(f"{source} sets only half an access key: {missing} is missing")
    return None


def _library_chain(config: Mapping[str, Any], environ: Mapping[str, str]) -> list[Any]:
    """The providers of alibabacloud-credentials, configured from *this* call's environment."""
    from alibabacloud_credentials.provider import (
        CLIProfileCredentialsProvider,
        EcsRamRoleCredentialsProvider,
        OIDCRoleArnCredentialsProvider,
        ProfileCredentialsProvider,
    )

    home = environ.get("HOME") or os.path.expanduser("~")
    profile = _first(config, "alicloud:profile") or environ.get("ALIBABA_CLOUD_PROFILE")
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
    oidc = [
        environ.get(k)
        for k in (
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            "ALIBABA_CLOUD_ROLE_ARN",
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
        )
    ]
    if all(oidc):
        chain.append(
            OIDCRoleArnCredentialsProvider(
                role_arn=oidc[1], oidc_provider_arn=oidc[2], oidc_token_file_path=oidc[0]
            )
        )
    role = _first(config, "alicloud:ecsRoleName") or environ.get("ALIBABA_CLOUD_ECS_METADATA")
    if role:
        chain.append(EcsRamRoleCredentialsProvider(role_name=role))
    return chain


class CredentialChain:
    """Resolves a credential on first use and asks again when a library one expires.

    Static keys are returned as they are; library providers (STS, role) refresh
    themselves, so we call them on every request and they answer from their cache.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._config = dict(config or {})
        self._environ = dict(os.environ if environ is None else environ)
        self._lock = threading.Lock()
        self._static: Credential | None = None
        self._provider: Any = None

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
        self._static = _static(self._config, self._environ)
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
            "no Alibaba Cloud credentials found. Set stack config alicloud:accessKey and "
            "alicloud:secretKey (as secrets), or ALIBABA_CLOUD_ACCESS_KEY_ID and "
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET, or an aliyun CLI profile. Tried: " + "; ".join(errors)
        )


@dataclass(frozen=True)
class Settings:
    """Everything the client needs to reach the service, resolved once per process.

    ``endpoint_source`` says where the endpoint came from (for error messages);
    ``role`` is the RAM role the credentials act as, where one is configured (it names
    the principal of STS credentials, see identity.py).
    """

    region_id: str
    endpoint: str
    credentials: Callable[[], Credential] = field(repr=False)
    endpoint_source: str = "the endpoint given"
    role: str | None = None


def _cli_profile(environ: Mapping[str, str], profile: str | None) -> Mapping[str, Any]:
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
    config: Mapping[str, Any], environ: Mapping[str, str], cli_profile: Mapping[str, Any]
) -> str | None:
    """The RAM role the configuration assumes: ``alicloud:assumeRole.roleArn`` (as
    pulumi-alicloud spells it), ``ALIBABA_CLOUD_ROLE_ARN``, the CLI profile's role, or
    an ECS instance role name."""
    import json

    assume = config.get("alicloud:assumeRole")
    if isinstance(assume, str):
        try:
            assume = json.loads(assume)
        except ValueError:
            assume = None
    if isinstance(assume, Mapping) and assume.get("roleArn"):
        return str(assume["roleArn"])
    arn = _first(environ, "ALIBABA_CLOUD_ROLE_ARN", "ALICLOUD_ASSUME_ROLE_ARN")
    arn = arn or _first(cli_profile, "ram_role_arn")
    if arn:
        return arn
    ecs_role = _first(config, "alicloud:ecsRoleName") or _first(
        environ, "ALIBABA_CLOUD_ECS_METADATA"
    )
    ecs_role = ecs_role or _first(cli_profile, "ram_role_name")
    return f"ecs-role:{ecs_role}" if ecs_role else None


def normalise_endpoint(endpoint: str) -> str:
    """``127.0.0.1:8686`` -> ``https://127.0.0.1:8686``; a trailing slash dropped."""
    endpoint = endpoint.strip().rstrip("/")
    if "://" not in endpoint:
        endpoint = "https://" + endpoint
    return endpoint


def resolve_settings(
    config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Region, endpoint and a credential source from stack config, then the environment."""
    config = dict(config or {})
    env = dict(os.environ if environ is None else environ)
    profile = _first(config, "alicloud:profile") or env.get("ALIBABA_CLOUD_PROFILE")
    cli_profile = _cli_profile(env, profile)
    region = (
        _first(config, "alicloud:region")
        or _first(env, "ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION", "ALIBABA_CLOUD_REGION")
        or _first(cli_profile, "region_id")
    )
    if not region:
        raise ConfigError(
            "no region: set stack config alicloud:region (pulumi config set alicloud:region "
            "cn-hangzhou) or the environment variable ALIBABA_CLOUD_REGION_ID"
        )
    if _first(config, "eci-cache:endpoint"):
        endpoint, source = str(config["eci-cache:endpoint"]), "stack config eci-cache:endpoint"
    elif _first(env, "ECI_CACHE_ENDPOINT"):
        endpoint, source = env["ECI_CACHE_ENDPOINT"], "environment variable ECI_CACHE_ENDPOINT"
    else:
        endpoint = DEFAULT_ENDPOINT_TEMPLATE.format(region=region)
        source = f"the default endpoint of region {region}"
    return Settings(
        region,
        normalise_endpoint(endpoint),
        CredentialChain(config, env),
        endpoint_source=source,
        role=configured_role(config, env, cli_profile),
    )
