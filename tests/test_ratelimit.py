"""The shared request budget: paces calls and slows everyone down on throttling."""

from __future__ import annotations

import pytest

from pulumi_eci_cache.ratelimit import AdaptiveRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_burst_passes_without_waiting() -> None:
    clock = Clock()
    limiter = AdaptiveRateLimiter(rate=5, burst=5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        limiter.acquire()
    assert clock.now == 0.0


def test_calls_beyond_the_burst_are_paced_at_the_rate() -> None:
    clock = Clock()
    limiter = AdaptiveRateLimiter(rate=5, burst=5, clock=clock, sleep=clock.sleep)
    for _ in range(15):
        limiter.acquire()
    assert clock.now == pytest.approx(2.0)  # 10 calls past the burst at 5/s


def test_throttling_halves_the_rate_for_everyone() -> None:
    limiter = AdaptiveRateLimiter(rate=8, burst=8)
    limiter.on_throttled()
    limiter.on_throttled()
    assert limiter.rate == 2 and limiter.throttled == 2


def test_the_rate_never_drops_below_its_floor() -> None:
    limiter = AdaptiveRateLimiter(rate=1, burst=1, min_rate=0.5)
    for _ in range(10):
        limiter.on_throttled()
    assert limiter.rate == 0.5


def test_successes_recover_the_rate_up_to_the_maximum() -> None:
    limiter = AdaptiveRateLimiter(rate=4, burst=4)
    limiter.on_throttled()
    for _ in range(100):
        limiter.on_success()
    assert limiter.rate == 4


def test_after_throttling_the_next_call_waits() -> None:
    clock = Clock()
    limiter = AdaptiveRateLimiter(rate=4, burst=4, clock=clock, sleep=clock.sleep)
    limiter.on_throttled()
    limiter.acquire()
    assert clock.now > 0
