"""When to try an API call again, and how long to wait first (pure: no I/O, no sleeping).

Retry only what the service calls transient (``Throttling*``, ``ServiceUnavailable``,
``InternalError``, HTTP 5xx) and calls that got no answer at all. Never retry a
validation or authentication error: it would fail the same way, only later. A call
that gets no answer (endpoint down, unknown host, TLS failure, silence) is retried
only for ``max_transport_seconds`` of wall time, attempts included: a person is
waiting, and an endpoint that is not there is rarely there a minute later.
Backoff is exponential with "equal jitter" (half the delay fixed, half random), so
fifty resources throttled at the same moment do not all come back at the same moment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pulumi_eci_cache.errors import ApiError, TransportError

__all__ = ["RetryPolicy", "is_retryable"]


def is_retryable(exc: BaseException) -> bool:
    """True for errors a later identical request may not get."""
    if isinstance(exc, (ApiError, TransportError)):
        return exc.retryable
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded in attempts and in total time spent waiting."""

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_total_delay: float = 120.0
    max_transport_seconds: float = 60.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return (rng or random).uniform(ceiling / 2, ceiling)

    def should_retry(
        self,
        exc: BaseException,
        attempt: int,
        waited: float,
        elapsed: float = 0.0,
        delay: float = 0.0,
    ) -> bool:
        """Whether to try again after ``attempt`` attempts, ``waited`` seconds of backoff
        and ``elapsed`` seconds since the first attempt, before sleeping ``delay``."""
        if not is_retryable(exc) or attempt >= self.max_attempts:
            return False
        if isinstance(exc, TransportError):
            return elapsed + delay < self.max_transport_seconds
        return waited < self.max_total_delay


NO_RETRY = RetryPolicy(max_attempts=1)
