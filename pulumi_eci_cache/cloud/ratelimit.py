"""One request budget for the whole provider process, that backs off when throttled.

A token bucket (rate + burst) paces every API call of every resource. When the
service answers ``Throttling*`` the rate is halved for everyone (multiplicative
decrease) -- at most once per ``cooldown``, because a burst of requests sent before
the decrease comes back throttled together and must count as one signal -- and it
creeps back up on successes (additive increase), so fifty resources slow down
together instead of each failing on its own. Callers wait for a token at the
*current* rate (no debt is reserved ahead), so a decrease never strands queued
callers behind a long precomputed sleep. Hand-written: the PyPI rate limiters we
know of are asyncio-only or per-decorator, and none adapts to throttling answers.
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
        burst: float = 5.0,
        min_rate: float | None = None,
        increase: float = 0.05,
        cooldown: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_rate = rate
        self.rate = rate
        self.burst = max(1.0, burst)
        self.min_rate = min_rate if min_rate is not None else rate / 10.0
        self.increase = increase
        self.cooldown = cooldown
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._stamp = clock()
        self._last_decrease = float("-inf")
        self._lock = threading.Lock()
        self.throttled = 0
        self.waiting = 0  # callers queued for a token (the poller yields to them)

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def try_acquire(self) -> float:
        """Take a token if there is one (returns 0), else how long until there may be."""
        with self._lock:
            self._refill(self._clock())
            if self._tokens >= 1.0 - 1e-9:  # float dust must not leave a caller spinning
                self._tokens -= 1.0
                return 0.0
            return max(1e-3, (1.0 - self._tokens) / self.rate)

    def acquire(self) -> None:
        wait = self.try_acquire()
        if wait <= 0:
            return
        with self._lock:
            self.waiting += 1
        try:
            while wait > 0:
                # Short naps: the rate may change while we wait, in either direction.
                self._sleep(min(wait, 0.25))
                wait = self.try_acquire()
        finally:
            with self._lock:
                self.waiting -= 1

    def on_throttled(self) -> None:
        with self._lock:
            self.throttled += 1
            now = self._clock()
            if now - self._last_decrease < self.cooldown:
                return
            self._last_decrease = now
            self._refill(now)
            self.rate = max(self.min_rate, self.rate / 2)
            self._tokens = min(self._tokens, 0.0)

    def on_success(self) -> None:
        with self._lock:
            if self.rate < self.max_rate:
                self.rate = min(self.max_rate, self.rate + self.increase)
