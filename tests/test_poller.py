"""The shared poller: one Describe round serves every waiting cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from pulumi_eci_cache.cloud.poller import PolledCache, SharedPoller
from pulumi_eci_cache.cloud.waiter import GONE, READY, Goal, PollSchedule, Waiter

T = TypeVar("T")


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


# -- a round serves everyone it saw (fake clock: nothing waits for its own time) --------


class FakeClock:
    """Stands still unless a test moves it; the poller's own waits never reach it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ScriptedRounds:
    """Answers round N with the N-th script (id -> Status), the last one from then on."""

    def __init__(self, *rounds: dict[str, str]) -> None:
        self.rounds = list(rounds)
        self.calls = 0

    def __call__(self) -> list[dict[str, Any]]:
        script = self.rounds[min(self.calls, len(self.rounds) - 1)]
        self.calls += 1
        return [
            {"ImageCacheId": cache_id, "Status": status, "Round": self.calls}
            for cache_id, status in script.items()
        ]


HANG_GUARD = 60.0  # a broken wake-up would block forever: fail instead


def in_background(call: Callable[[], T]) -> Future[T]:
    """Runs ``call`` on a daemon thread, so a test that fails never waits for it."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(call())
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return future


def waiting_view(
    poller: SharedPoller, clock: FakeClock, cache_id: str, goal: Goal, own_delay: float
) -> PolledCache:
    view = PolledCache(poller, cache_id, clock=clock)
    view.expect(goal.reached)
    view.sleep(own_delay)
    return view


def test_a_round_that_shows_a_cache_ready_wakes_its_waiter_before_its_own_time() -> None:
    clock = FakeClock()
    service = ScriptedRounds({"imc-a": "Creating", "imc-b": "Ready"})
    poller = SharedPoller(service, min_interval=1, clock=clock)
    b = waiting_view(poller, clock, "imc-b", READY, own_delay=3600)
    waiting = in_background(b.fetch)
    poller.observe("imc-a", clock.now)  # another waiter's round, due now
    seen = waiting.result(timeout=HANG_GUARD)
    assert seen is not None and seen["Status"] == "Ready"
    assert service.calls == 1


def test_a_cache_still_building_does_not_wake_its_waiter_early() -> None:
    clock = FakeClock()
    service = ScriptedRounds({"imc-a": "Creating", "imc-b": "Creating"}, {"imc-b": "Ready"})
    poller = SharedPoller(service, min_interval=1, clock=clock)
    b = waiting_view(poller, clock, "imc-b", READY, own_delay=60)
    waiting = in_background(b.fetch)
    poller.observe("imc-a", clock.now)  # round 1 sees imc-b building
    clock.now = 60
    poller.observe("imc-a", clock.now)  # round 2, at imc-b's own time
    seen = waiting.result(timeout=HANG_GUARD)
    assert seen is not None and (seen["Status"], seen["Round"]) == ("Ready", 2)


def test_a_new_cache_missing_from_a_round_does_not_end_its_wait_for_ready() -> None:
    clock = FakeClock()
    service = ScriptedRounds({"imc-a": "Creating"}, {"imc-b": "Creating"})
    poller = SharedPoller(service, min_interval=1, clock=clock)
    b = waiting_view(poller, clock, "imc-b", READY, own_delay=60)
    waiting = in_background(b.fetch)
    poller.observe("imc-a", clock.now)  # round 1 does not list imc-b yet
    clock.now = 60
    poller.observe("imc-a", clock.now)
    seen = waiting.result(timeout=HANG_GUARD)
    assert seen is not None and seen["Round"] == 2


def test_a_delete_wakes_on_the_round_that_no_longer_lists_the_cache() -> None:
    clock = FakeClock()
    service = ScriptedRounds({"imc-a": "Creating"})
    poller = SharedPoller(service, min_interval=1, clock=clock)
    b = waiting_view(poller, clock, "imc-b", GONE, own_delay=3600)
    waiting = in_background(b.fetch)
    poller.observe("imc-a", clock.now)
    assert waiting.result(timeout=HANG_GUARD) is None
    assert service.calls == 1


def test_a_round_started_before_the_wait_began_does_not_wake_it() -> None:
    clock = FakeClock()
    # Round 1 still shows the cache as it was before the update was sent.
    service = ScriptedRounds({"imc-b": "Ready"}, {"imc-b": "Updating"})
    poller = SharedPoller(service, min_interval=1, clock=clock)
    poller.observe("imc-b", clock.now)
    clock.now = 1
    b = waiting_view(poller, clock, "imc-b", READY, own_delay=60)
    waiting = in_background(b.fetch)
    clock.now = 61
    poller.observe("imc-a", clock.now)
    seen = waiting.result(timeout=HANG_GUARD)
    assert seen is not None and (seen["Status"], seen["Round"]) == ("Updating", 2)


def test_waking_early_adds_no_round() -> None:
    clock = FakeClock()
    ids = [f"imc-{i}" for i in range(20)]
    service = ScriptedRounds(dict.fromkeys(ids, "Ready"))
    poller = SharedPoller(service, min_interval=1, clock=clock)
    views = [
        waiting_view(poller, clock, cache_id, READY, own_delay=100.0 * (i + 1))
        for i, cache_id in enumerate(ids)
    ]
    waiting = [in_background(view.fetch) for view in views]
    poller.observe("imc-0", clock.now)
    seen = [w.result(timeout=HANG_GUARD) for w in waiting]
    assert all(cache is not None and cache["Status"] == "Ready" for cache in seen)
    assert service.calls == 1


def test_a_waiter_whose_cache_a_round_saw_ready_returns_without_waiting_for_its_own_poll() -> None:
    clock = FakeClock()
    service = ScriptedRounds({"imc-b": "Creating"}, {"imc-b": "Ready"})
    poller = SharedPoller(service, min_interval=1, clock=clock)
    view = PolledCache(poller, "imc-b", clock=clock)
    first_look = threading.Event()
    waiter = Waiter(
        fetch=view.fetch,
        sleep=view.sleep,
        expect=view.expect,
        timeout=600,
        schedule=PollSchedule(first=5),
        clock=clock,
        on_poll=lambda cache: first_look.set(),
    )
    waiting = in_background(lambda: waiter.until_ready("imc-b"))
    assert first_look.wait(HANG_GUARD)  # round 1: building; its next poll is at 5 s
    clock.now = 1
    poller.observe("imc-a", clock.now)  # round 2, for someone else, sees it Ready
    ready = waiting.result(timeout=HANG_GUARD)
    assert (ready["Status"], ready["Round"]) == ("Ready", 2)  # the clock never reached 5
