"""The one exception tree of pulumi-eci-cache.

Every failure a user can see is one of these, so a Pulumi program (or a test) can
catch exactly what it means, and every message is written for the person reading
``pulumi up`` output. No message ever contains an access key secret, a security
token or a registry password: the client scrubs them before raising.

    EciCacheError
     ├── ConfigError            no region / credentials / endpoint could be resolved
     ├── TransportError         the request never got an answer (connect, read timeout)
     ├── ApiError               the service answered with its error JSON
     └── WaitError              a cache did not reach the state we waited for
          ├── BuildFailedError  the build ended Failed / UpdateFailed (carries events)
          ├── CacheGoneError    the cache disappeared while we waited on it
          └── WaitTimeoutError  the user's ``timeout`` ran out
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ApiError",
    "BuildFailedError",
    "CacheGoneError",
    "ConfigError",
    "EciCacheError",
    "TransportError",
    "WaitError",
    "WaitTimeoutError",
]

# Error codes the service documents as transient; everything else is final.
RETRYABLE_CODE_PREFIXES = ("Throttling", "ServiceUnavailable", "InternalError")


class EciCacheError(Exception):
    """Base of every error this package raises."""


class ConfigError(EciCacheError):
    """Region, credentials or endpoint are missing or malformed."""


class TransportError(EciCacheError):
    """No HTTP answer: connection refused or reset, or a timeout."""

    def __init__(self, action: str, reason: str) -> None:
        super().__init__(f"{action}: no answer from the ECI endpoint ({reason})")
        self.action = action
        self.reason = reason

    @property
    def retryable(self) -> bool:
        return True


class ApiError(EciCacheError):
    """The service's own error: its ``Code``, ``Message`` and ``RequestId``."""

    def __init__(
        self,
        action: str,
        code: str,
        message: str,
        request_id: str = "",
        http_status: int = 0,
        recommend: str = "",
    ) -> None:
        detail = f"{action} failed: {code}: {message}"
        if request_id:
            detail += f" (RequestId {request_id}, HTTP {http_status})"
        super().__init__(detail)
        self.action = action
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.recommend = recommend

    @property
    def retryable(self) -> bool:
        return self.http_status >= 500 or self.code.startswith(RETRYABLE_CODE_PREFIXES)

    @property
    def throttled(self) -> bool:
        return self.code.startswith("Throttling")


class WaitError(EciCacheError):
    """A cache did not reach the state we were waiting for."""

    def __init__(self, message: str, cache_id: str = "") -> None:
        super().__init__(message)
        self.cache_id = cache_id


class BuildFailedError(WaitError):
    """The service gave up building the cache; its events say why."""

    def __init__(
        self, cache_id: str, status: str, events: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        self.status = status
        self.events = [dict(e) for e in events]
        super().__init__(
            f"image cache {cache_id} ended {status}: {describe_events(self.events)}", cache_id
        )


class CacheGoneError(WaitError):
    """The cache vanished (deleted outside Pulumi, expired, evicted) while we waited."""


class WaitTimeoutError(WaitError):
    """The ``timeout`` input ran out before the cache settled."""


def describe_events(events: Sequence[Mapping[str, Any]]) -> str:
    """The service's reasons, most useful first, as one line for an error message."""
    reasons = []
    for event in events:
        if str(event.get("Type", "")).lower() == "normal":
            continue
        text = ": ".join(str(event[k]) for k in ("Reason", "Message") if event.get(k))
        if text and text not in reasons:
            reasons.append(text)
    return "; ".join(reasons) or "the service reported no reason (no warning events)"
