"""One signed RPC call to an Alibaba Cloud API (ECI, STS), over httpx, retried and typed.

ECI and STS speak the same RPC style (``Action``, ``Version``, ``Format=JSON``, every
parameter in the query or a form body, the V1 HMAC signature, the same error JSON), so
one caller serves both: ``EciClient`` (client.py) and ``StsClient`` (sts.py) say which
action with which parameters; this module signs, sends, retries and turns every
failure into one typed exception (errors.py).

- Every attempt is signed afresh with the credential of that moment (signing.py), so
  a retry is never a replay, and a credential renewed meanwhile is used at once.
- A call the service answers ``InvalidSecurityToken.Expired`` asks the credential
  source for a fresh credential (``CredentialSource.expired``) and is sent once more,
  with the same parameters (a create keeps its ClientToken, so it stays idempotent).
- Transient failures (throttling, 5xx, no answer) are retried with backoff (retry.py);
  a person waiting is told of each retry (``on_retry``), throttling excepted. What no
  retry can change (an unsupported scheme, a TLS handshake with a plain-HTTP server, a
  malformed URL) fails at once, saying what to change.
- A dead endpoint is found once: after one call spent the whole patience
  (``unreachableTimeoutSeconds``) on an endpoint that does not answer, every other call
  to it fails at once with the same sentence, until one gets through (one call at a
  time probes it, every ``PROBE_EVERY`` seconds).
- Secrets that were sent (the credential's secret and token, a registry password, an
  OIDC token) are scrubbed from every message (secrets.redact).
- Every answer's ``Date`` header sets the provider's idea of the service's time
  (clock.py).

The transport is the test seam: ``transport=`` (a respx router, the emulator), and
nothing needs patching.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import httpx

from pulumi_eci_cache.cloud.clock import ServiceClock
from pulumi_eci_cache.cloud.credentials import Credential, CredentialSource
from pulumi_eci_cache.cloud.signing import RpcSignatureAuth
from pulumi_eci_cache.errors import ApiError, KeyNames, TransportError
from pulumi_eci_cache.rules.retry import RetryPolicy
from pulumi_eci_cache.rules.secrets import redact

__all__ = ["DEFAULT_TIMEOUT", "EXPIRED_TOKEN", "RateLimiter", "RpcClient", "short_reason"]

log = logging.getLogger(__name__)

# Every answer of these APIs is small and quick; a silent endpoint must fail in time for
# the retry policy's transport deadline (retry.py) to end the wait within 90 s.
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
EXPIRED_TOKEN = "InvalidSecurityToken.Expired"
# How often a call may try an endpoint found down (the others fail at once).
PROBE_EVERY = 5.0
ONE_TRY = RetryPolicy(max_attempts=1)


def _permanent(exc: Exception, endpoint: str) -> tuple[bool, str]:
    """Whether no retry can change this transport failure, and what to change instead
    (``{setting}`` is the endpoint's setting)."""
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return True, "The endpoint must be an http:// or https:// URL: fix {setting}"
    cause: BaseException | None = exc
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:  # a chain may loop
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLError):
            other = "http://" if endpoint.startswith("https://") else "https://"
            return True, (
                "The TLS handshake failed, which no retry changes: if the endpoint speaks "
                f"{other.rstrip(':/')}, write {other} in {{setting}}; else check its certificate"
            )
        cause = cause.__cause__ or cause.__context__
    return False, ""


def _timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class RateLimiter(Protocol):
    """What a caller needs from a shared limiter (see ratelimit.py)."""

    def acquire(self) -> None: ...

    def on_throttled(self) -> None: ...

    def on_success(self) -> None: ...


def short_reason(exc: ApiError | TransportError) -> str:
    """The cause alone, for a retry line (the full message comes if we give up)."""
    if isinstance(exc, TransportError):
        what = "cannot reach" if exc.unreachable else "no answer from"
        return f"{what} {exc.endpoint or 'the endpoint'} ({exc.reason})"
    return f"{exc.code} (HTTP {exc.http_status})"


class RpcClient:
    """Signed calls to one endpoint; thread-safe, share one per endpoint and provider.

    ``credentials`` None sends calls unsigned (STS AssumeRoleWithOIDC: the token is
    the proof). ``method`` POST puts the parameters in a form body, so a secret among
    them (an OIDC token) is never part of a URL that a proxy or a log may keep.
    """

    def __init__(
        self,
        endpoint: str,
        credentials: CredentialSource | None,
        *,
        product: str = "ECI",
        endpoint_source: str = "the endpoint given",
        keys: KeyNames = str,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_retry: Callable[[str], None] | None = None,
        service_clock: ServiceClock | None = None,
        method: str = "GET",
    ) -> None:
        self.endpoint = endpoint
        self.endpoint_source = endpoint_source
        self.product = product
        self.keys = keys
        self.credentials = credentials
        self.service_clock = service_clock or ServiceClock()
        self._retry = retry or RetryPolicy()
        self._limiter = rate_limiter
        self._sleep = sleep
        self._clock = clock
        self._on_retry = on_retry
        self._method = method
        self._lock = threading.Lock()
        self._down: TransportError | None = None  # the sentence of the call that gave up
        self._probing = False
        self._probed_at = float("-inf")
        self._http = httpx.Client(
            base_url=endpoint,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": "pulumi-eci-cache", "Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def call(
        self,
        action: str,
        version: str,
        params: Mapping[str, str],
        secrets: Iterable[str] = (),
        retry: RetryPolicy | None = None,
        quiet: bool = False,
    ) -> dict[str, Any]:
        """The answer of ``action``; ApiError or TransportError when there is none.
        ``secrets`` are values among the parameters to keep out of every message;
        ``retry`` overrides the client's policy; ``quiet`` leaves retries unreported."""
        common = {"Action": action, "Version": version, "Format": "JSON"}
        sent = list(secrets)
        # Only the client's own policy spends the whole patience on a silent endpoint
        # (a polling round's is short: the poller keeps its own patience).
        patience = retry is None
        policy = retry or self._retry
        probe = self._admit()
        if probe:
            policy, patience = ONE_TRY, False
        try:
            return self._attempts(action, version, common, params, sent, policy, quiet, patience)
        finally:
            if probe:
                with self._lock:
                    self._probing = False

    def _attempts(
        self,
        action: str,
        version: str,
        common: dict[str, str],
        params: Mapping[str, str],
        sent: list[str],
        policy: RetryPolicy,
        quiet: bool,
        patience: bool,
    ) -> dict[str, Any]:
        attempt, waited, started, renewed = 0, 0.0, self._clock(), False
        while True:
            attempt += 1
            if attempt > 1:
                self._fail_if_down()
            credential = self.credentials() if self.credentials is not None else None
            try:
                return self._send(action, common, dict(params), credential, sent)
            except ApiError as exc:
                if exc.code == EXPIRED_TOKEN and not renewed and credential is not None:
                    # The service's clock says the token ran out: renew it, once.
                    assert self.credentials is not None
                    self.credentials.expired(credential)
                    renewed = True
                    attempt -= 1
                    continue
                delay = self._give_up_or_delay(exc, policy, attempt, waited, started, quiet)
            except TransportError as exc:
                if patience and exc.unreachable and not exc.permanent:
                    delay = self._give_up_or_delay(
                        exc, policy, attempt, waited, started, quiet, mark=True
                    )
                else:
                    delay = self._give_up_or_delay(exc, policy, attempt, waited, started, quiet)
            waited += delay
            self._sleep(delay)

    def _give_up_or_delay(
        self,
        exc: ApiError | TransportError,
        policy: RetryPolicy,
        attempt: int,
        waited: float,
        started: float,
        quiet: bool,
        mark: bool = False,
    ) -> float:
        """The backoff before the next attempt; raises ``exc`` when it is the last."""
        delay = policy.backoff(attempt)
        elapsed = self._clock() - started
        if not policy.should_retry(exc, attempt, waited, elapsed, delay):
            if isinstance(exc, TransportError) and self._down is not None and exc.unreachable:
                raise self._down.again() from exc  # found down: the same sentence
            if isinstance(exc, TransportError) and attempt > 1:
                given_up = exc.retried(attempt, elapsed, given_up=mark)
                if mark:
                    self.mark_down(given_up)
                raise given_up from exc
            raise exc
        log.info("%s: %s; retrying in %.1fs (attempt %d)", exc.action, exc, delay, attempt)
        if self._on_retry is not None and not quiet and not getattr(exc, "throttled", False):
            why = short_reason(exc)
            self._on_retry(f"{exc.action}: {why}; retrying in {delay:.0f}s (attempt {attempt})")
        return delay

    # -- a dead endpoint, found once -------------------------------------------------------

    def mark_down(self, error: TransportError) -> None:
        """``error`` spent the whole patience on this endpoint: every other call fails
        at once with it, until a call gets through."""
        with self._lock:
            self._down = error
            self._probed_at = self._clock()

    def _admit(self) -> bool:
        """Whether this call is the one probe of an endpoint found down (it is tried once);
        raises the endpoint's sentence when another call probes, or probed lately."""
        with self._lock:
            if self._down is None:
                return False
            now = self._clock()
            if self._probing or now - self._probed_at < PROBE_EVERY:
                raise self._down.again()
            self._probing, self._probed_at = True, now
            return True

    def _fail_if_down(self) -> None:
        with self._lock:
            down = self._down
        if down is not None:
            raise down.again()

    def _reachable(self) -> None:
        """An answer came (even an error): the endpoint is up."""
        if self._down is not None:
            with self._lock:
                self._down = None

    def _transport_error(self, action: str, exc: Exception, secrets: list[str]) -> TransportError:
        """The transport's failure, in our words; what no retry can change is permanent."""
        reason = type(exc).__name__ + ": " + (redact(str(exc), secrets) or "no detail")
        permanent, hint = _permanent(exc, self.endpoint)
        unreachable = permanent or isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
        return TransportError(
            action,
            reason,
            endpoint=self.endpoint,
            endpoint_source=self.endpoint_source,
            unreachable=unreachable,
            keys=self.keys,
            product=self.product,
            permanent=permanent,
            hint=hint,
        )

    def _send(
        self,
        action: str,
        common: dict[str, str],
        params: dict[str, str],
        credential: Credential | None,
        sent: list[str],
    ) -> dict[str, Any]:
        secrets = [*sent]
        auth: httpx.Auth | httpx._client.UseClientDefault = httpx.USE_CLIENT_DEFAULT
        if credential is not None:
            secrets += [credential.access_key_secret, credential.security_token or ""]
            auth = RpcSignatureAuth(lambda: credential)
        else:  # unsigned: the signer would have dated it
            common = {**common, "Timestamp": _timestamp()}
        if self._limiter is not None:
            self._limiter.acquire()
        try:
            if self._method == "POST":
                response = self._http.post("/", params=common, data=params, auth=auth)
            else:
                response = self._http.get("/", params={**params, **common}, auth=auth)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise self._transport_error(action, exc, secrets) from exc
        self._reachable()
        self.service_clock.observe(response.headers.get("Date"))
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code >= 400:
            raise self._api_error(action, response, body, secrets)
        if self._limiter is not None:
            self._limiter.on_success()
        return body

    def _api_error(
        self, action: str, response: httpx.Response, body: dict[str, Any], secrets: list[str]
    ) -> ApiError:
        code, message = body.get("Code"), body.get("Message") or response.reason_phrase
        if not code:  # not the API answering (a proxy, a wrong URL, ...)
            code = f"HTTP{response.status_code}"
            message = (
                f"{self.endpoint} (set by {self.endpoint_source}) answered "
                f"{response.status_code} {response.reason_phrase} without an "
                f"{self.product} error in the body; check that it is an {self.product} endpoint"
            )
        error = ApiError(
            action,
            str(code),
            redact(str(message), secrets),
            str(body.get("RequestId", "")),
            response.status_code,
            redact(str(body.get("Recommend", "")), secrets),
            keys=self.keys,
        )
        if self._limiter is not None and error.throttled:
            self._limiter.on_throttled()
        return error
