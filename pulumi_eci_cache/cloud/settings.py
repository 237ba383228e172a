"""Where a provider's region, endpoints and credentials come from, resolved once.

The provider's settings (rules/config.py) first, then the environment, as users of
Alibaba Cloud tools expect: the region (``region``, ``ALIBABA_CLOUD_REGION_ID``, the
aliyun CLI profile's), the ECI endpoint (``endpoint``, ``ECI_CACHE_ENDPOINT``, the
region's), the STS endpoint (``stsEndpoint``, ``ALIBABA_CLOUD_STS_ENDPOINT``, the
region's) and the credential source: the base credentials (credentials.py), wrapped
in the roles the settings name (roles.py), assumed at that STS endpoint. Endpoints
from the environment are checked with the settings' own rule; a scheme is never
guessed. Messages name each setting the way the user's face spells it (``keys``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pulumi_eci_cache.cloud.credentials import (
    CredentialChain,
    CredentialSource,
    cli_profile,
    first_of,
)
from pulumi_eci_cache.cloud.roles import role_chain, with_roles
from pulumi_eci_cache.cloud.sts import StsClient
from pulumi_eci_cache.errors import ConfigError, KeyNames
from pulumi_eci_cache.rules.config import ProviderConfig, endpoint_problem, stack_key

if TYPE_CHECKING:
    import httpx

    from pulumi_eci_cache.cloud.clock import ServiceClock

__all__ = [
    "DEFAULT_ENDPOINT_TEMPLATE",
    "DEFAULT_STS_ENDPOINT_TEMPLATE",
    "REGION_VARIABLES",
    "Settings",
    "normalise_endpoint",
    "resolve_settings",
]

DEFAULT_ENDPOINT_TEMPLATE = "https://eci.{region}.aliyuncs.com"
DEFAULT_STS_ENDPOINT_TEMPLATE = "https://sts.{region}.aliyuncs.com"
_DEFAULT_SOURCE = "the default endpoint of region"
# The environment variables that name the region when no setting does, first first.
REGION_VARIABLES = ("ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION", "ALIBABA_CLOUD_REGION")


@dataclass(frozen=True)
class Settings:
    """Everything the client needs to reach the service, resolved once per process.

    ``endpoint_source`` says where the endpoint came from (for error messages);
    ``credentials`` sign every ECI call (a role's, when one is assumed) and say who
    they act as (``CredentialSource.principal``).
    """

    region_id: str
    endpoint: str
    credentials: CredentialSource = field(repr=False)
    endpoint_source: str = "the endpoint given"
    keys: KeyNames = field(default=stack_key, repr=False, compare=False)
    # Where roles are assumed (a cache's own role is assumed with ``credentials``).
    sts: StsClient | None = field(default=None, repr=False, compare=False)

    def in_region(self, region_id: str) -> Settings:
        """The same account and endpoint choice in another region (a resource's own
        ``region``): the default endpoint follows the region, a configured one stays."""
        if region_id == self.region_id:
            return self
        endpoint, source = self.endpoint, self.endpoint_source
        if source.startswith(_DEFAULT_SOURCE):
            endpoint = DEFAULT_ENDPOINT_TEMPLATE.format(region=region_id)
            source = f"{_DEFAULT_SOURCE} {region_id}"
        return replace(self, region_id=region_id, endpoint=endpoint, endpoint_source=source)


def normalise_endpoint(endpoint: str) -> str:
    """The endpoint without blanks or a trailing slash (its scheme is checked, never
    guessed: rules/config.py ``endpoint_problem``)."""
    return endpoint.strip().rstrip("/")


def resolve_settings(
    config: ProviderConfig | None = None,
    environ: Mapping[str, str] | None = None,
    keys: KeyNames = stack_key,
    origin: str = "stack config",
    *,
    transport: httpx.BaseTransport | None = None,
    service_clock: ServiceClock | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Settings:
    """Region, endpoint and a credential source from the provider's settings, then the
    environment; ``keys`` names settings in messages as the user's face spells them,
    ``origin`` says where such settings come from. A role the settings name is assumed
    at the STS endpoint (over ``transport``, on ``service_clock``), on first use."""
    config = config or ProviderConfig()
    env = dict(os.environ if environ is None else environ)
    profile = config.profile or env.get("ALIBABA_CLOUD_PROFILE")
    profile_entry = cli_profile(env, profile)
    region = (
        config.region or first_of(env, *REGION_VARIABLES) or first_of(profile_entry, "region_id")
    )
    if not region:
        raise ConfigError(
            f"no region: set {keys('region')} (e.g. cn-hangzhou) or the environment "
            "variable ALIBABA_CLOUD_REGION_ID"
        )
    endpoint, source = _endpoint(
        config.endpoint,
        env,
        "ECI_CACHE_ENDPOINT",
        DEFAULT_ENDPOINT_TEMPLATE,
        region,
        f"{origin} {keys('endpoint')}",
    )
    sts_endpoint, sts_source = _endpoint(
        config.sts_endpoint,
        env,
        "ALIBABA_CLOUD_STS_ENDPOINT",
        DEFAULT_STS_ENDPOINT_TEMPLATE,
        region,
        f"{origin} {keys('sts_endpoint')}",
    )
    sts = StsClient(
        sts_endpoint,
        endpoint_source=sts_source,
        keys=keys,
        transport=transport,
        service_clock=service_clock,
        sleep=sleep,
    )
    base = CredentialChain(config, env, keys, identify=sts.identify)
    roles = role_chain(config, env, keys)
    return Settings(
        region,
        endpoint,
        with_roles(roles, base, sts) if roles else base,
        endpoint_source=source,
        keys=keys,
        sts=sts,
    )


def _endpoint(
    configured: str | None,
    env: Mapping[str, str],
    variable: str,
    template: str,
    region: str,
    setting: str,
) -> tuple[str, str]:
    """An endpoint and where it came from: the setting (checked with the settings), the
    variable (checked here, with the same rule), the region's."""
    if configured:
        return normalise_endpoint(configured), setting
    if first_of(env, variable):
        problem = endpoint_problem(env[variable])
        if problem:
            raise ConfigError(f"environment variable {variable} = {env[variable]!r}: {problem}")
        return normalise_endpoint(env[variable]), f"environment variable {variable}"
    return template.format(region=region), f"{_DEFAULT_SOURCE} {region}"
