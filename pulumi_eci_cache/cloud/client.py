"""EciClient: the four image-cache actions of the ECI API.

Requests are shaped by the vendor's own request classes (``aliyunsdkeci``), so the
parameter names are the vendor's; where the vendor classes are wrong we flatten the
parameter ourselves and say so. Signing, retries, typed errors, scrubbing secrets and
renewing an expired STS token are the RPC caller's (rpc.py), shared with STS. The
transport is the test seam: pass ``transport=`` (a respx router or the emulator) and
nothing needs patching.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from aliyunsdkcore.request import RpcRequest
from aliyunsdkeci.request.v20180808.CreateImageCacheRequest import CreateImageCacheRequest
from aliyunsdkeci.request.v20180808.DeleteImageCacheRequest import DeleteImageCacheRequest
from aliyunsdkeci.request.v20180808.DescribeImageCachesRequest import DescribeImageCachesRequest
from aliyunsdkeci.request.v20180808.UpdateImageCacheRequest import UpdateImageCacheRequest

from pulumi_eci_cache.cloud.clock import ServiceClock
from pulumi_eci_cache.cloud.credentials import StaticCredentials
from pulumi_eci_cache.cloud.rpc import DEFAULT_TIMEOUT, RateLimiter, RpcClient, short_reason
from pulumi_eci_cache.cloud.settings import Settings
from pulumi_eci_cache.errors import ApiError
from pulumi_eci_cache.rules.api import secret_values
from pulumi_eci_cache.rules.retry import RetryPolicy

__all__ = [
    "CreatedCache",
    "EciClient",
    "RateLimiter",
    "flatten_params",
    "is_not_found",
    "short_reason",
    "static_settings",
]

DESCRIBE_PAGE_SIZE = 100


@dataclass(frozen=True)
class CreatedCache:
    image_cache_id: str
    container_group_id: str
    request_id: str


def is_not_found(exc: BaseException) -> bool:
    """The service's way of saying the cache does not exist (any more)."""
    return isinstance(exc, ApiError) and (exc.http_status == 404 or "NotFound" in exc.code)


def _wire_value(value: Any) -> Any:
    # The vendor classes pass Python values through; the API wants lowercase booleans.
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _acr_params(infos: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``AcrRegistryInfo.N.*``, flattened by hand.

    Vendor defect (aliyun-python-sdk-eci 1.3.3, Create/UpdateImageCacheRequest.
    set_AcrRegistryInfos): it sends ``AcrRegistryInfo.1Domain.1`` -- the dot before
    ``Domain`` is missing -- so the domains would be ignored or rejected.
    """
    params: dict[str, Any] = {}
    for i, info in enumerate(infos, start=1):
        for key in ("InstanceId", "InstanceName", "RegionId"):
            if info.get(key) is not None:
                params[f"AcrRegistryInfo.{i}.{key}"] = info[key]
        for j, domain in enumerate(info.get("Domains") or (), start=1):
            params[f"AcrRegistryInfo.{i}.Domain.{j}"] = domain
    return params


# Parameters the vendor's request classes (aliyun-python-sdk-eci 1.3.3) do not have,
# though the API takes them (Alibaba's current SDK, alibabacloud-eci20180808, sends
# them): set by hand, on the actions that take them.
_NOT_IN_VENDOR_CLASSES: Mapping[str, frozenset[str]] = {
    "Annotations": frozenset({"CreateImageCache"}),
}


def flatten_params(request: RpcRequest, fields: Mapping[str, Any]) -> dict[str, str]:
    """The query parameters of ``request`` with ``fields`` (Contract 1 names) set on it."""
    extra: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if name == "AcrRegistryInfos":
            extra.update(_acr_params(value))
            continue
        if request.get_action_name() in _NOT_IN_VENDOR_CLASSES.get(name, ()):
            extra[name] = value
            continue
        setter = getattr(request, f"set_{name}", None)
        if setter is None:
            raise ValueError(f"{request.get_action_name()} has no parameter {name}")
        setter(_wire_value(value))
    params = {k: _wire_value(v) for k, v in (request.get_query_params() or {}).items()}
    params.update(extra)
    return {k: str(v) for k, v in params.items() if v is not None}


class EciClient:
    """A small, thread-safe client: share one per provider process."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_retry: Callable[[str], None] | None = None,
        service_clock: ServiceClock | None = None,
    ) -> None:
        self.settings = settings
        self.rpc = RpcClient(
            settings.endpoint,
            settings.credentials,
            endpoint_source=settings.endpoint_source,
            keys=settings.keys,
            transport=transport,
            timeout=timeout,
            retry=retry,
            rate_limiter=rate_limiter,
            sleep=sleep,
            clock=clock,
            on_retry=on_retry,
            service_clock=service_clock,
        )
        self.service_clock = self.rpc.service_clock

    def close(self) -> None:
        self.rpc.close()

    def __enter__(self) -> EciClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the four actions -------------------------------------------------------------

    def create_image_cache(
        self, spec: Mapping[str, Any], client_token: str | None = None
    ) -> CreatedCache:
        """Start building a cache. ``client_token`` makes a retried create idempotent."""
        fields = {**spec, "ClientToken": client_token or uuid.uuid4().hex}
        body = self._call(CreateImageCacheRequest(), fields)
        return CreatedCache(
            str(body.get("ImageCacheId", "")),
            str(body.get("ContainerGroupId", "")),
            str(body.get("RequestId", "")),
        )

    def describe_image_caches(
        self, retry: RetryPolicy | None = None, quiet: bool = False, **filters: Any
    ) -> list[dict[str, Any]]:
        """Every cache matching the filters (Contract 1 names: ``ImageCacheId=...``,
        ``Tags=[{"Key":..,"Value":..}]``, ``MatchImage=[...]``), following NextToken.
        ``retry`` overrides the client's policy and ``quiet`` leaves its retries
        unreported (the shared poller retries, and reports, by itself)."""
        caches: list[dict[str, Any]] = []
        token = ""
        filters.setdefault("Limit", DESCRIBE_PAGE_SIZE)
        while True:
            page_filters = {**filters, "NextToken": token or None}
            body = self._call(DescribeImageCachesRequest(), page_filters, retry, quiet)
            caches.extend(body.get("ImageCaches") or [])
            token = str(body.get("NextToken") or "")
            if not token:
                return caches

    def update_image_cache(
        self, cache_id: str, spec: Mapping[str, Any], client_token: str | None = None
    ) -> str:
        """Change a Ready/UpdateFailed cache in place; it then rebuilds (Updating)."""
        fields = {**spec, "ImageCacheId": cache_id, "ClientToken": client_token or uuid.uuid4().hex}
        return str(self._call(UpdateImageCacheRequest(), fields).get("RequestId", ""))

    def delete_image_cache(self, cache_id: str) -> str:
        body = self._call(
            DeleteImageCacheRequest(), {"ImageCacheId": cache_id, "ClientToken": uuid.uuid4().hex}
        )
        return str(body.get("RequestId", ""))

    # -- transport --------------------------------------------------------------------

    def _call(
        self,
        request: RpcRequest,
        fields: Mapping[str, Any],
        retry: RetryPolicy | None = None,
        quiet: bool = False,
    ) -> dict[str, Any]:
        params = {**flatten_params(request, fields), "RegionId": self.settings.region_id}
        return self.rpc.call(
            request.get_action_name(),
            request.get_version(),
            params,
            secrets=secret_values(fields),
            retry=retry,
            quiet=quiet,
        )


def static_settings(
    endpoint: str,
    region_id: str,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
) -> Settings:
    """Settings with a fixed key pair: for tests, benchmarks and the emulator demo."""
    credentials = StaticCredentials(access_key_id, access_key_secret, security_token)
    return Settings(region_id, endpoint, credentials, endpoint_source="the settings given")
