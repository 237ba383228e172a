"""EciClient: the four image-cache actions of the ECI API, over httpx.

Requests are shaped by the vendor's own request classes (``aliyunsdkeci``), so the
parameter names are the vendor's, and signed by ``aliyunsdkcore`` (see signing.py).
Where the vendor classes are wrong we flatten the parameter ourselves and say so.
The transport is the test seam: pass ``transport=`` (a respx router or the emulator)
and nothing needs patching.

Every call has a timeout, transient failures are retried with backoff (retry.py),
and every error becomes one typed exception (errors.py) whose text never contains a
secret: passwords and keys that were sent are scrubbed from the service's message.
Every answer's ``Date`` header sets the provider's idea of the service's time
(clock.py).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from aliyunsdkcore.request import RpcRequest
from aliyunsdkeci.request.v20180808.CreateImageCacheRequest import CreateImageCacheRequest
from aliyunsdkeci.request.v20180808.DeleteImageCacheRequest import DeleteImageCacheRequest
from aliyunsdkeci.request.v20180808.DescribeImageCachesRequest import DescribeImageCachesRequest
from aliyunsdkeci.request.v20180808.UpdateImageCacheRequest import UpdateImageCacheRequest

from pulumi_eci_cache.cloud.clock import ServiceClock
from pulumi_eci_cache.cloud.credentials import Credential, Settings
from pulumi_eci_cache.cloud.signing import RpcSignatureAuth
from pulumi_eci_cache.errors import ApiError, TransportError
from pulumi_eci_cache.rules.retry import RetryPolicy

__all__ = [
    "CreatedCache",
    "EciClient",
    "RateLimiter",
    "flatten_params",
    "is_not_found",
    "short_reason",
]

log = logging.getLogger(__name__)

# Every answer of this API is small and quick; a silent endpoint must fail in time for
# the retry policy's transport deadline (retry.py) to end the wait within 90 s.
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
DESCRIBE_PAGE_SIZE = 100


class RateLimiter(Protocol):
    """What the client needs from a shared limiter (see ratelimit.py)."""

    def acquire(self) -> None: ...

    def on_throttled(self) -> None: ...

    def on_success(self) -> None: ...


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


def short_reason(exc: ApiError | TransportError) -> str:
    """The cause alone, for a retry line (the full message comes if we give up)."""
    if isinstance(exc, TransportError):
        what = "cannot reach" if exc.unreachable else "no answer from"
        return f"{what} {exc.endpoint or 'the endpoint'} ({exc.reason})"
    return f"{exc.code} (HTTP {exc.http_status})"


def _secret_values(fields: Mapping[str, Any]) -> list[str]:
    return [
        str(c["Password"])
        for c in fields.get("ImageRegistryCredentials") or ()
        if c.get("Password")
    ]


def _scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "<redacted>")
    return text


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
        self.service_clock = service_clock or ServiceClock()
        self._retry = retry or RetryPolicy()
        self._limiter = rate_limiter
        self._sleep = sleep
        self._clock = clock
        # Told, in one line, about every retry a person may be waiting on (no answer,
        # 5xx); throttling is not reported: the shared rate limiter deals with it.
        self._on_retry = on_retry
        self._http = httpx.Client(
            base_url=settings.endpoint,
            auth=RpcSignatureAuth(settings.credentials),
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": "pulumi-eci-cache", "Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

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
        action = request.get_action_name()
        params = flatten_params(request, fields)
        params.update(
            Action=action,
            Version=request.get_version(),
            Format="JSON",
            RegionId=self.settings.region_id,
        )
        credential = self.settings.credentials()
        secrets = [
            *_secret_values(fields),
            credential.access_key_secret,
            credential.security_token or "",
        ]
        attempt, waited, started = 0, 0.0, self._clock()
        policy = retry or self._retry
        while True:
            attempt += 1
            try:
                return self._send(action, params, secrets)
            except (ApiError, TransportError) as exc:
                delay = policy.backoff(attempt)
                elapsed = self._clock() - started
                if not policy.should_retry(exc, attempt, waited, elapsed, delay):
                    if isinstance(exc, TransportError) and attempt > 1:
                        raise exc.retried(attempt, elapsed) from exc
                    raise
                waited += delay
                log.info("%s: %s; retrying in %.1fs (attempt %d)", action, exc, delay, attempt)
                on_retry = None if quiet else self._on_retry
                if on_retry is not None and not getattr(exc, "throttled", False):
                    why = short_reason(exc)
                    on_retry(f"{action}: {why}; retrying in {delay:.0f}s (attempt {attempt})")
                self._sleep(delay)

    def _transport_error(self, action: str, reason: str, unreachable: bool) -> TransportError:
        return TransportError(
            action,
            reason,
            endpoint=self.settings.endpoint,
            endpoint_source=self.settings.endpoint_source,
            unreachable=unreachable,
            keys=self.settings.keys,
        )

    def _send(self, action: str, params: dict[str, str], secrets: list[str]) -> dict[str, Any]:
        if self._limiter is not None:
            self._limiter.acquire()
        try:
            response = self._http.get("/", params=params)
        except httpx.TransportError as exc:
            reason = type(exc).__name__ + ": " + (_scrub(str(exc), secrets) or "no detail")
            unreachable = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
            raise self._transport_error(action, reason, unreachable) from exc
        self.service_clock.observe(response.headers.get("Date"))
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code >= 400:
            code, message = body.get("Code"), body.get("Message") or response.reason_phrase
            if not code:  # not the ECI API answering (a proxy, a wrong URL, ...)
                code = f"HTTP{response.status_code}"
                message = (
                    f"{self.settings.endpoint} (set by {self.settings.endpoint_source}) "
                    f"answered {response.status_code} {response.reason_phrase} without an "
                    "ECI error in the body; check that it is an ECI endpoint"
                )
            error = ApiError(
                action,
                str(code),
                _scrub(str(message), secrets),
                str(body.get("RequestId", "")),
                response.status_code,
                _scrub(str(body.get("Recommend", "")), secrets),
                keys=self.settings.keys,
            )
            if self._limiter is not None and error.throttled:
                self._limiter.on_throttled()
            raise error
        if self._limiter is not None:
            self._limiter.on_success()
        return body


def static_settings(
    endpoint: str,
    region_id: str,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
) -> Settings:
    """Settings with a fixed key pair: for tests, benchmarks and the emulator demo."""
    credential = Credential(access_key_id, access_key_secret, security_token, "static")
    return Settings(region_id, endpoint, lambda: credential, endpoint_source="the settings given")
