"""One request budget for the whole provider process, that backs off when throttled.

A token bucket (rate + burst) paces every API call of every resource. When the
service answers ``Throttling*`` the rate is halved for everyone (multiplicative
decrease), and it creeps back up on successes (additive increase), so fifty
resources slow down together instead of each failing on its own. Hand-written:
the PyPI rate limiters we know of are asyncio-only or per-decorator, and none adapts
to the server's throttling answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["AdaptiveRateLimiter"]


class AdaptiveRateLimiter:
    """Thread-safe token bucket with AIMD on throttling."""

    def __init__(
        self,
        rate: float = 10.0,
        burst: float = 10.0,
        min_rate: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_rate = rate
        self.rate = rate
        self.burst = burst
        self.min_rate = min_rate
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._stamp = clock()
        self._lock = threading.Lock()
        self.throttled = 0

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def reserve(self) -> float:
        """Take a token now and return how long the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> None:
        delay = self.reserve()
        if delay > 0:
            self._sleep(delay)

    def on_throttled(self) -> None:
        with self._lock:
            self.throttled += 1
            self.rate = max(self.min_rate, self.rate / 2)
            self._tokens = min(self._tokens, 0.0)

    def on_success(self) -> None:
        with self._lock:
            if self.rate < self.max_rate:
                self.rate = min(self.max_rate, self.rate + 0.1)
