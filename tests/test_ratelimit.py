"""The shared request budget: paces calls and slows everyone down on throttling."""

from __future__ import annotations

import pytest

from pulumi_eci_cache.cloud.ratelimit import AdaptiveRateLimiter
from tests.support.manual_clock import ManualClock as Clock


def limiter(clock: Clock, **kw: float) -> AdaptiveRateLimiter:
    return AdaptiveRateLimiter(clock=clock, sleep=clock.sleep, **kw)


def test_a_burst_passes_without_waiting() -> None:
    clock = Clock()
    bucket = limiter(clock, rate=5, burst=5)
    for _ in range(5):
        bucket.acquire()
    assert clock.now == 0.0


def test_calls_beyond_the_burst_are_paced_at_the_rate() -> None:
    clock = Clock()
    bucket = limiter(clock, rate=5, burst=5)
    for _ in range(15):
        bucket.acquire()
    assert clock.now == pytest.approx(2.0, abs=0.01)  # 10 calls past the burst at 5/s


def test_throttling_halves_the_rate_for_everyone() -> None:
    clock = Clock()
    bucket = limiter(clock, rate=8, burst=8, cooldown=1.0)
    bucket.on_throttled()
    clock.now += 1.5
    bucket.on_throttled()
    assert bucket.rate == 2 and bucket.throttled == 2


def test_a_burst_of_throttled_answers_counts_as_one_signal() -> None:
    clock = Clock()
    bucket = limiter(clock, rate=8, burst=8, cooldown=1.0)
    for _ in range(16):
        bucket.on_throttled()
    assert bucket.rate == 4 and bucket.throttled == 16


def test_the_rate_never_drops_below_its_floor() -> None:
    clock = Clock()
    bucket = limiter(clock, rate=10, burst=1, cooldown=0.0)
    for _ in range(20):
        bucket.on_throttled()
    assert bucket.rate == 1.0  # a tenth of the configured rate


def test_successes_recover_the_rate_up_to_the_maximum() -> None:
    clock = Clock()
    bucket = limiter(clock, rate=4, burst=4)
    bucket.on_throttled()
    for _ in range(100):
        bucket.on_success()
    assert bucket.rate == 4


def test_after_throttling_the_next_call_waits() -> None:
    clock = Clock()
    bucket = limiter(clock, rate=4, burst=4)
    bucket.on_throttled()
    bucket.acquire()
    assert clock.now > 0


def test_queued_callers_are_served_at_the_current_rate_not_a_reserved_debt() -> None:
    clock = Clock()
    bucket = limiter(clock, rate=10, burst=1, cooldown=0.0)
    bucket.acquire()
    for _ in range(5):
        bucket.on_throttled()  # down to the floor, 1/s ...
    for _ in range(20):
        bucket.on_success()  # ... and back up to 2/s
    for _ in range(10):
        bucket.acquire()
    assert clock.now < 10.0  # at the old reserved pace this would take far longer


def test_callers_waiting_for_a_token_are_counted_while_they_wait() -> None:
    clock = Clock()
    seen: list[int] = []
    bucket = AdaptiveRateLimiter(rate=1, burst=1, clock=clock)
    bucket._sleep = lambda s: (seen.append(bucket.waiting), clock.sleep(s))  # type: ignore[method-assign]
    bucket.acquire()
    bucket.acquire()
    assert seen and set(seen) == {1} and bucket.waiting == 0
