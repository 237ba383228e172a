"""StsClient: the three STS actions a provider needs, on the caller that signs ECI's.

STS (API version 2015-04-01) speaks the same signed RPC style as ECI, so rpc.py serves
it: ``AssumeRole`` signed with the caller's credentials, ``AssumeRoleWithOIDC``
unsigned (the OIDC token is the proof), ``GetCallerIdentity`` signed. We do not use
``alibabacloud-credentials``' role providers for this: they hard-code https for STS, so
an ``http://`` endpoint (the emulator, a private proxy) cannot be reached through
them, and their errors cannot name the setting behind the role. Every call is a POST,
so no token or policy travels in a URL.

The endpoint is the region's (``https://sts.<region>.aliyuncs.com``), else the
``stsEndpoint`` setting or ``ALIBABA_CLOUD_STS_ENDPOINT``. Errors are ApiError /
TransportError as for ECI; roles.py words them for the role they concern.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from pulumi_eci_cache.cloud.clock import ServiceClock
from pulumi_eci_cache.cloud.credentials import Credential, CredentialSource
from pulumi_eci_cache.cloud.rpc import RpcClient
from pulumi_eci_cache.errors import EciCacheError, KeyNames
from pulumi_eci_cache.rules.identity import Principal, role_of_assumed_role, role_principal
from pulumi_eci_cache.rules.retry import RetryPolicy
from pulumi_eci_cache.rules.values import timestamp

__all__ = ["STS_VERSION", "Session", "StsClient"]

STS_VERSION = "2015-04-01"
# STS answers in well under a second; a refusal is final, a silent endpoint is retried
# for a bounded time like ECI's (retry.py).
STS_RETRY = RetryPolicy(max_attempts=5, max_total_delay=20.0, max_transport_seconds=30.0)
ONE_TRY = RetryPolicy(max_attempts=1)


@dataclass(frozen=True)
class Session:
    """Temporary credentials from STS, and whose they are."""

    credential: Credential
    expires: float  # the service's time, epoch seconds
    assumed_role_arn: str  # acs:ram::<account>:assumed-role/<role>/<session>
    request_id: str = ""


class _Fixed(CredentialSource):
    def __init__(self, credential: Credential) -> None:
        self._credential = credential

    def __call__(self) -> Credential:
        return self._credential


class StsClient:
    """STS at one endpoint; ``caller`` sources sign, each with a client of its own."""

    def __init__(
        self,
        endpoint: str,
        *,
        endpoint_source: str = "the endpoint given",
        keys: KeyNames = str,
        transport: httpx.BaseTransport | None = None,
        service_clock: ServiceClock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        retry: RetryPolicy = STS_RETRY,
    ) -> None:
        self.endpoint = endpoint
        self.endpoint_source = endpoint_source
        self.service_clock = service_clock or ServiceClock()
        self.keys = keys
        self._transport = transport
        self._sleep = sleep
        self._retry = retry
        self._lock = threading.Lock()
        self._clients: dict[int, tuple[CredentialSource | None, RpcClient]] = {}

    def _new_client(
        self, caller: CredentialSource | None, retry: RetryPolicy | None = None
    ) -> RpcClient:
        return RpcClient(
            self.endpoint,
            caller,
            product="STS",
            endpoint_source=self.endpoint_source,
            keys=self.keys,
            transport=self._transport,
            retry=retry or self._retry,
            sleep=self._sleep,
            service_clock=self.service_clock,
            method="POST",
        )

    def _client(self, caller: CredentialSource | None) -> RpcClient:
        with self._lock:
            held = self._clients.get(id(caller))
            if held is None:
                held = (caller, self._new_client(caller))  # the caller lives on with its id
                self._clients[id(caller)] = held
            return held[1]

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for _, client in clients:
            client.close()

    def assume_role(
        self,
        caller: CredentialSource,
        role_arn: str,
        session_name: str,
        duration: int,
        policy: str | None = None,
        external_id: str | None = None,
    ) -> Session:
        """Temporary credentials of ``role_arn``, asked for by ``caller``."""
        params = {
            "RoleArn": role_arn,
            "RoleSessionName": session_name,
            "DurationSeconds": str(duration),
        }
        if policy:
            params["Policy"] = policy
        if external_id:
            params["ExternalId"] = external_id
        return self._session(self._client(caller).call("AssumeRole", STS_VERSION, params))

    def assume_role_with_oidc(
        self,
        provider_arn: str,
        role_arn: str,
        token: str,
        session_name: str,
        duration: int,
        policy: str | None = None,
    ) -> Session:
        """Temporary credentials of ``role_arn`` for an OIDC ``token`` (unsigned)."""
        params = {
            "OIDCProviderArn": provider_arn,
            "RoleArn": role_arn,
            "OIDCToken": token,
            "RoleSessionName": session_name,
            "DurationSeconds": str(duration),
        }
        if policy:
            params["Policy"] = policy
        answer = self._client(None).call("AssumeRoleWithOIDC", STS_VERSION, params, secrets=[token])
        return self._session(answer)

    def caller_identity(
        self, credential: Credential, retry: RetryPolicy | None = None
    ) -> dict[str, Any]:
        """What STS says ``credential`` is (``AccountId``, ``Arn``, ``IdentityType``...)."""
        client = self._new_client(_Fixed(credential), retry)
        try:
            return client.call("GetCallerIdentity", STS_VERSION, {})
        finally:
            client.close()

    def identify(self, credential: Credential) -> Principal | None:
        """The role behind a bare STS token, or None when STS cannot say (best effort:
        without it, a crashed create's cache is not adopted, which is safe)."""
        try:
            identity = self.caller_identity(credential, ONE_TRY)
        except EciCacheError:
            return None
        role = role_of_assumed_role(str(identity.get("Arn", "")))
        return role_principal(role) if role else None

    def _session(self, answer: dict[str, Any]) -> Session:
        got = answer.get("Credentials") or {}
        user = answer.get("AssumedRoleUser") or {}
        expires = timestamp(got.get("Expiration"))
        if expires is None:
            expires = self.service_clock.now() + 900.0  # the shortest session STS grants
        return Session(
            Credential(
                str(got.get("AccessKeyId", "")),
                str(got.get("AccessKeySecret", "")),
                str(got.get("SecurityToken", "")),
                "STS",
            ),
            expires,
            str(user.get("Arn", "")),
            str(answer.get("RequestId", "")),
        )
