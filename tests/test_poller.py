"""The shared poller: one Describe round serves every waiting cache."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from pulumi_eci_cache.poller import PolledCache, SharedPoller


class FakeService:
    def __init__(self, ids: list[str]) -> None:
        self.ids = ids
        self.calls = 0
        self.lock = threading.Lock()
        self.fail_with: Exception | None = None

    def describe_all(self) -> list[dict[str, Any]]:
        with self.lock:
            self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        return [{"ImageCacheId": i, "Status": "Ready"} for i in self.ids]


def test_many_waiters_due_together_share_one_round() -> None:
    service = FakeService([f"imc-{i}" for i in range(50)])
    poller = SharedPoller(service.describe_all, min_interval=0.2)
    due = time.monotonic() + 0.1
    with ThreadPoolExecutor(50) as pool:
        seen = list(pool.map(lambda i: poller.observe(f"imc-{i}", due), range(50)))
    assert all(cache is not None and cache["Status"] == "Ready" for cache in seen)
    assert service.calls == 1


def test_a_cache_missing_from_the_round_is_reported_as_none() -> None:
    poller = SharedPoller(FakeService(["imc-1"]).describe_all, min_interval=0.01)
    assert poller.observe("imc-2", time.monotonic()) is None


def test_rounds_are_never_closer_than_the_minimum_interval() -> None:
    service = FakeService(["imc-1"])
    poller = SharedPoller(service.describe_all, min_interval=0.3)
    start = time.monotonic()
    poller.observe("imc-1", start)
    poller.observe("imc-1", time.monotonic())
    assert time.monotonic() - start >= 0.3
    assert service.calls == 2


def test_an_answer_is_never_older_than_the_time_asked_for() -> None:
    service = FakeService(["imc-1"])
    poller = SharedPoller(service.describe_all, min_interval=0.01)
    poller.observe("imc-1", time.monotonic())
    service.ids = []  # the cache is deleted after the first round
    assert poller.observe("imc-1", time.monotonic()) is None


def test_a_failing_round_raises_in_its_waiters_and_the_poller_recovers() -> None:
    service = FakeService(["imc-1"])
    poller = SharedPoller(service.describe_all, min_interval=0.01)
    service.fail_with = RuntimeError("auth failed")
    with pytest.raises(RuntimeError, match="auth failed"):
        poller.observe("imc-1", time.monotonic())
    service.fail_with = None
    assert poller.observe("imc-1", time.monotonic()) is not None


def test_polled_cache_sleep_moves_the_next_fetch_later() -> None:
    service = FakeService(["imc-1"])
    poller = SharedPoller(service.describe_all, min_interval=0.01)
    view = PolledCache(poller, "imc-1")
    view.fetch()
    view.sleep(0.2)
    before = time.monotonic()
    view.fetch()
    assert time.monotonic() - before >= 0.15


def test_a_throttled_round_is_retried_without_failing_its_waiters() -> None:
    from pulumi_eci_cache.errors import ApiError

    service = FakeService(["imc-1"])
    failures = [ApiError("DescribeImageCaches", "Throttling.User", "slow down", "r", 400)] * 2

    def flaky() -> list[dict[str, Any]]:
        if failures:
            raise failures.pop()
        return service.describe_all()

    poller = SharedPoller(flaky, min_interval=0.01)
    assert poller.observe("imc-1", time.monotonic()) is not None
    assert poller.rounds == 1


def test_a_service_that_stays_throttled_is_reported_after_the_give_up_time() -> None:
    from pulumi_eci_cache.errors import ApiError

    def throttled() -> list[dict[str, Any]]:
        raise ApiError("DescribeImageCaches", "Throttling.User", "slow down", "r", 400)

    poller = SharedPoller(throttled, min_interval=0.01, give_up_after=0.1)
    with pytest.raises(ApiError, match="Throttling"):
        poller.observe("imc-1", time.monotonic())


def test_an_unreachable_endpoint_fails_its_waiters_sooner_than_throttling() -> None:
    from pulumi_eci_cache.errors import TransportError

    def down() -> list[dict[str, Any]]:
        raise TransportError("DescribeImageCaches", "ConnectError: refused", unreachable=True)

    poller = SharedPoller(down, min_interval=0.01, give_up_after=3600, unreachable_after=0.1)
    with pytest.raises(TransportError, match="cannot reach"):
        poller.observe("imc-1", time.monotonic())


def test_the_pace_can_be_a_function_of_the_moment() -> None:
    service = FakeService(["imc-1"])
    poller = SharedPoller(service.describe_all, min_interval=lambda: 0.3)
    start = time.monotonic()
    poller.observe("imc-1", start)
    poller.observe("imc-1", time.monotonic())
    assert time.monotonic() - start >= 0.3


def test_a_silent_endpoint_is_given_up_before_another_slow_round_would_pass_the_limit() -> None:
    from pulumi_eci_cache.errors import TransportError

    now = [0.0]

    def silent() -> list[dict[str, Any]]:
        now[0] += 40.0  # two attempts that each wait for a 20 s read timeout
        raise TransportError("DescribeImageCaches", "ReadTimeout")

    poller = SharedPoller(silent, min_interval=0.0, clock=lambda: now[0], unreachable_after=60)
    # One 40 s round failed; a second would end past 60 s, so it was not waited for.
    with pytest.raises(TransportError, match=r"no answer from the ECI endpoint after 1 attempt"):
        poller.observe("imc-1", 0.0)


def test_rounds_without_an_answer_are_reported_at_most_every_few_seconds() -> None:
    from pulumi_eci_cache.errors import TransportError

    now = [0.0]
    lines: list[str] = []

    def refused() -> list[dict[str, Any]]:
        now[0] += 2.0
        raise TransportError("DescribeImageCaches", "ConnectError: refused", unreachable=True)

    poller = SharedPoller(
        refused,
        min_interval=0.0,
        clock=lambda: now[0],
        unreachable_after=60,
        report=lines.append,
        report_every=10,
    )
    with pytest.raises(TransportError):
        poller.observe("imc-1", 0.0)
    # A round every 2 s, a line every 10 s of the wait, each saying how long is left.
    assert [line.rsplit(" ", 1)[1] for line in lines[:6]] == [
        "58s",
        "48s",
        "38s",
        "28s",
        "18s",
        "8s",
    ]
    assert lines[0].startswith("DescribeImageCaches: cannot reach the endpoint (ConnectError")
