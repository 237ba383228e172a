"""The one exception tree of pulumi-eci-cache.

Every failure a user can see is one of these, so a Pulumi program (or a test) can
catch exactly what it means, and every message is written for the person reading
``pulumi up`` output. No message ever contains an access key secret, a security
token or a registry password: the client scrubs them before raising.

    EciCacheError
     ├── InvalidInputsError     the inputs given to create/update are not valid (a
     │                          ValueError too: what check reports, at create)
     ├── ConfigError            no region / credentials / endpoint could be resolved
     │    └── RoleError         a role the settings name cannot be assumed (STS said no)
     ├── TransportError         the request never got an answer (connect, read timeout)
     ├── ApiError               the service answered with its error JSON
     ├── AdoptionError          an existing cache cannot (or must not) be taken over
     ├── CacheNotFoundError     no cache with the id to import, in the provider's region
     ├── CancelledError         the engine cancelled (Ctrl-C) while we worked or waited
     ├── ResourceInitError      the service has the cache, but it is not Ready yet: kept in
     │                          the state (id, outputs so far), and the next up waits on
     └── WaitError              a cache did not reach the state we waited for
          ├── BuildFailedError  the build ended Failed / UpdateFailed (carries events)
          ├── CacheGoneError    the cache disappeared while we waited on it
          └── WaitTimeoutError  the user's ``timeout`` ran out
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AdoptionError",
    "ApiError",
    "BuildFailedError",
    "CacheGoneError",
    "CacheNotFoundError",
    "CancelledError",
    "CheckFailureInfo",
    "ConfigError",
    "EciCacheError",
    "InvalidInputsError",
    "ResourceInitError",
    "RoleError",
    "TransportError",
    "WaitError",
    "WaitTimeoutError",
    "describe_events",
    "way_out",
]

# How the user's face names a setting in advice (``alicloud:accessKey`` in the dynamic
# face's stack config, ``ecicache:accessKey`` in the plugin's): the client passes its
# settings' (cloud/credentials.py); on its own, an error names the setting itself.
KeyNames = Callable[[str], str]


def _setting(name: str) -> str:
    return name


# The setting that names each product's endpoint.
_ENDPOINT_SETTING = {"ECI": "endpoint", "STS": "sts_endpoint"}

# Error codes the service documents as transient; everything else is final.
RETRYABLE_CODE_PREFIXES = ("Throttling", "ServiceUnavailable", "InternalError")


class EciCacheError(Exception):
    """Base of every error this package raises.

    Its text is what ``pulumi up`` shows (server_hooks.py drops the traceback): the
    thing, the cause and the way out, in one sentence. ``about`` names the resource.
    """

    subject = ""

    def about(self, subject: str) -> EciCacheError:
        """This error about the cache ``subject``: a copy whose message starts with it
        (once). A copy, because one error may reach many callers (a polling round that
        failed is every waiter's), and each names its own cache."""
        if not subject or self.subject or not self.args:
            return self
        named = self._copy()
        named.subject = subject
        named.args = (f"{subject}: {self.args[0]}", *self.args[1:])
        return named

    def again(self) -> EciCacheError:
        """The same failure, to raise once more (from another thread, for another call)."""
        return self._copy()

    def _copy(self) -> EciCacheError:
        """A shallow copy that keeps every attribute (``copy.copy`` would call the
        constructor with the formatted message)."""
        twin = type(self).__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.args = self.args
        twin.__cause__, twin.__context__ = self.__cause__, self.__context__
        twin.__traceback__ = self.__traceback__
        return twin


@dataclass(frozen=True)
class CheckFailureInfo:
    """One check failure: the top-level input it concerns and a sentence for the user."""

    property: str
    reason: str


class InvalidInputsError(EciCacheError, ValueError):
    """The inputs given to create/update are not valid (or not all known): what ``check``
    would have reported, each failure one sentence."""

    def __init__(self, failures: Sequence[CheckFailureInfo]) -> None:
        self.failures = list(failures)
        lines = "\n".join(f"  - {f.reason}" for f in self.failures)
        super().__init__(f"invalid ImageCache inputs:\n{lines}")


class ConfigError(EciCacheError):
    """Region, credentials or endpoint are missing or malformed."""


class RoleError(ConfigError):
    """A role the settings name cannot be assumed: STS refused, or cannot be reached.

    One sentence: the role (its ARN and the setting that names it), what STS said
    (code, message, request id) and what to change.
    """

    def __init__(self, role_arn: str, setting: str, cause: str, hint: str = "") -> None:
        text = f"cannot act as role {role_arn} ({setting}): {cause}"
        super().__init__(f"{text}. {hint}" if hint else text)
        self.role_arn = role_arn


class TransportError(EciCacheError):
    """No HTTP answer.

    ``unreachable``: the request never reached the service (connection refused, DNS
    failure, connect timeout) -- retried for a bounded time only, since waiting longer
    rarely helps and a person is watching. Otherwise the answer was lost on the way
    (reset, read timeout): retried like a 5xx (ClientTokens make it safe).
    ``permanent``: no retry can change it (an unsupported scheme, a TLS handshake with
    a server that does not speak TLS, a malformed URL): it fails at once, with ``hint``
    saying what to change. ``given_up``: a call spent the whole patience on it, so the
    endpoint is down; the provider's other calls to it fail at once (rpc.py).
    """

    def __init__(
        self,
        action: str,
        reason: str,
        *,
        endpoint: str = "",
        endpoint_source: str = "",
        unreachable: bool = False,
        attempts: int = 1,
        elapsed: float = 0.0,
        keys: KeyNames = _setting,
        product: str = "ECI",
        permanent: bool = False,
        hint: str = "",
        given_up: bool = False,
    ) -> None:
        where = f"the {product} endpoint" + (f" {endpoint}" if endpoint else "")
        if endpoint_source:
            where += f" (set by {endpoint_source})"
        plural = "attempt" if attempts == 1 else "attempts"
        tries = f" after {attempts} {plural} in {elapsed:.0f}s" if attempts > 1 or elapsed else ""
        what = "cannot reach" if unreachable else "no answer from"
        setting = keys(_ENDPOINT_SETTING[product])
        advice = (
            hint.format(setting=setting)
            if hint
            else (
                "Check that the endpoint is right and reachable from this machine (or set "
                f"{setting}), then run the update again"
            )
        )
        super().__init__(f"{action}: {what} {where}{tries}: {reason.rstrip('.')}. {advice}")
        self.permanent = permanent
        self.hint = hint
        self.given_up = given_up
        self.attempts = attempts
        self.elapsed = elapsed
        self.action = action
        self.reason = reason
        self.endpoint = endpoint
        self.endpoint_source = endpoint_source
        self.unreachable = unreachable
        self.keys = keys
        self.product = product

    def retried(self, attempts: int, elapsed: float, given_up: bool = False) -> TransportError:
        """The same failure, after ``attempts`` tries over ``elapsed`` seconds."""
        return TransportError(
            self.action,
            self.reason,
            endpoint=self.endpoint,
            endpoint_source=self.endpoint_source,
            unreachable=self.unreachable,
            attempts=attempts,
            elapsed=elapsed,
            keys=self.keys,
            product=self.product,
            permanent=self.permanent,
            hint=self.hint,
            given_up=given_up,
        )

    @property
    def retryable(self) -> bool:
        return not self.permanent


class AdoptionError(EciCacheError):
    """A cache bears this resource's identity but is not surely its own, or the cache
    named by ``adopt_image_cache_id`` cannot be taken over."""


class CacheNotFoundError(EciCacheError):
    """An id to import (or read with no state) names no cache in the region."""


class CancelledError(EciCacheError):
    """The engine cancelled the operation (a person pressed Ctrl-C)."""

    def __init__(self, message: str = "cancelled (Ctrl-C or the engine's Cancel)") -> None:
        super().__init__(message)


class ResourceInitError(EciCacheError):
    """The service accepted the cache, but the wait for it ended before it was Ready.

    The engine records the resource with this error (the protocol's "initialization
    failed": the id, the outputs known so far, the reason), so nothing is left behind
    unrecorded, and the next ``pulumi up`` updates it, which waits again.
    """

    def __init__(self, cache_id: str, outputs: Mapping[str, Any], reason: str) -> None:
        super().__init__(reason)
        self.cache_id = cache_id
        self.outputs = dict(outputs)

    @property
    def reason(self) -> str:
        return str(self.args[0]) if self.args else ""


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
        keys: KeyNames = _setting,
    ) -> None:
        detail = f"{action} failed: {code}: {message}"
        if request_id:
            detail += f" (RequestId {request_id}, HTTP {http_status})"
        hint = way_out(action, code, http_status, keys)
        if recommend:  # the service's own troubleshooting page for this error
            hint = f"{hint} (the service suggests {recommend})" if hint else f"See {recommend}"
        super().__init__(f"{detail}. {hint}" if hint else detail)
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


# What a person can do about a service error, by code prefix (first match wins).
_WAYS_OUT: tuple[tuple[str, str], ...] = (
    (
        "InvalidAccessKeyId",
        "Check the access key id ({access_key} or ALIBABA_CLOUD_ACCESS_KEY_ID)",
    ),
    (
        "SignatureDoesNotMatch",
        "Check the access key secret ({secret_key} or ALIBABA_CLOUD_ACCESS_KEY_SECRET)",
    ),
    (
        "InvalidSecurityToken",
        "Renew the STS token ({security_token} or ALIBABA_CLOUD_SECURITY_TOKEN)",
    ),
    ("Forbidden", "Grant the RAM identity permission for eci:{action}"),
    ("NoPermission", "Grant the RAM identity permission for eci:{action}"),
    (
        "Throttling",
        "The service kept throttling; run the update again later or lower "
        "{max_requests_per_second}",
    ),
    (
        "QuotaExceeded",
        'Delete image caches you no longer use, or set elimination_strategy="LRU" on '
        "caches the service may evict",
    ),
    ("IncorrectImageCacheStatus", "Wait until the cache is Ready, then run the update again"),
    ("InvalidParameter", "Fix the input the message names"),
    ("MissingParameter", "Fix the input the message names"),
)


def way_out(action: str, code: str, http_status: int = 0, keys: KeyNames = _setting) -> str:
    """What to do about the service's error ``code`` ("" when there is nothing to say)."""
    for prefix, advice in _WAYS_OUT:
        if code.startswith(prefix):
            names = {
                name: keys(name)
                for name in (
                    "access_key",
                    "secret_key",
                    "security_token",
                    "max_requests_per_second",
                )
            }
            return advice.format(action=action, **names)
    if http_status >= 500 or code.startswith(("ServiceUnavailable", "InternalError")):
        return "The service failed; run the update again later"
    return ""


class WaitError(EciCacheError):
    """A cache did not reach the state we were waiting for."""

    def __init__(self, message: str, cache_id: str = "") -> None:
        super().__init__(message)
        self.cache_id = cache_id

    def about(self, subject: str) -> EciCacheError:
        """As ``EciCacheError.about``; a subject that names the cache already says which."""
        named = f"image cache {self.cache_id}"
        if self.subject or not (self.cache_id and self.cache_id in subject and self.args):
            return super().about(subject)
        text = str(self.args[0])
        if not text.startswith(named):
            return super().about(subject)
        shorter = self._copy()
        shorter.args = ("the cache" + text[len(named) :], *self.args[1:])
        return EciCacheError.about(shorter, subject)


class BuildFailedError(WaitError):
    """The service gave up building the cache; its events say why."""

    def __init__(
        self, cache_id: str, status: str, events: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        self.status = status
        self.events = [dict(e) for e in events]
        super().__init__(
            f"image cache {cache_id} ended {status}: {describe_events(self.events)}. Check "
            "that every image exists and that its registry is reachable with the given "
            "credentials, then run the update again",
            cache_id,
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
