"""The shared poller: one Describe round serves every waiting cache.

Every test runs the poller on fake time (tests/support/fake_time.py): its clock moves
only when every thread waits, so the tests assert on the times rounds started, never
on the wall clock, and a loaded machine runs them exactly as an idle one does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

from pulumi_eci_cache.cloud.poller import PolledCache, SharedPoller
from pulumi_eci_cache.cloud.waiter import GONE, READY, Goal, PollSchedule, Waiter
from pulumi_eci_cache.errors import ApiError, CancelledError, TransportError
from tests.support.fake_time import STUCK_AFTER, FakeTime

Describe = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def fake_time() -> Iterator[FakeTime]:
    """Closed after the test, so the poller's thread idles out and ends."""
    fake = FakeTime()
    yield fake
    fake.close()


def on_fake_time(fake: FakeTime, describe: Describe, **options: Any) -> SharedPoller:
    return SharedPoller(describe, clock=fake.clock, wait=fake.wait, **options)


class FakeService:
    """Lists ``ids`` as Ready; each Describe takes ``takes`` seconds of fake time, so
    a round has started before a caller that comes after it can ask for one."""

    def __init__(self, fake: FakeTime, ids: list[str], takes: float = 0.05) -> None:
        self.fake = fake
        self.ids = ids
        self.takes = takes
        self.started: list[float] = []  # when each round began
        self.fail_with: Exception | None = None

    @property
    def calls(self) -> int:
        return len(self.started)

    def describe_all(self) -> list[dict[str, Any]]:
        self.started.append(self.fake.clock())
        self.fake.spend(self.takes)
        if self.fail_with is not None:
            raise self.fail_with
        return [{"ImageCacheId": i, "Status": "Ready"} for i in self.ids]


def failing(fake: FakeTime, error: Exception, started: list[float]) -> Describe:
    """A Describe that always fails with ``error``, noting when each round began."""

    def describe_all() -> list[dict[str, Any]]:
        started.append(fake.clock())
        raise error

    return describe_all


def test_many_waiters_due_together_share_one_round(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, [f"imc-{i}" for i in range(50)])
    poller = on_fake_time(fake_time, service.describe_all, min_interval=0.2)
    due = fake_time.clock() + 0.1
    waiting = [fake_time.start(partial(poller.observe, f"imc-{i}", due)) for i in range(50)]
    seen = [fake_time.result(w) for w in waiting]
    assert all(cache is not None and cache["Status"] == "Ready" for cache in seen)
    assert service.started == [pytest.approx(due)]


def test_a_cache_missing_from_the_round_is_reported_as_none(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, ["imc-1"])
    poller = on_fake_time(fake_time, service.describe_all, min_interval=0.01)
    assert poller.observe("imc-2", fake_time.clock()) is None


def test_rounds_are_never_closer_than_the_minimum_interval(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, ["imc-1"])
    poller = on_fake_time(fake_time, service.describe_all, min_interval=0.3)
    poller.observe("imc-1", fake_time.clock())
    poller.observe("imc-1", fake_time.clock())  # after round 1 started: wants a new one
    first, second = service.started
    assert second >= first + 0.3


def test_an_answer_is_never_older_than_the_time_asked_for(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, ["imc-1"])
    poller = on_fake_time(fake_time, service.describe_all, min_interval=0.01)
    poller.observe("imc-1", fake_time.clock())
    service.ids = []  # the cache is deleted after the first round
    assert poller.observe("imc-1", fake_time.clock()) is None


def test_a_failing_round_raises_in_its_waiters(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, ["imc-1"])
    poller = on_fake_time(fake_time, service.describe_all, min_interval=0.01)
    service.fail_with = RuntimeError("auth failed")
    with pytest.raises(RuntimeError, match="auth failed"):
        poller.observe("imc-1", fake_time.clock())


def test_the_round_after_a_failing_one_answers_again(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, ["imc-1"])
    poller = on_fake_time(fake_time, service.describe_all, min_interval=0.01)
    service.fail_with = RuntimeError("auth failed")
    with pytest.raises(RuntimeError):
        poller.observe("imc-1", fake_time.clock())
    service.fail_with = None
    assert poller.observe("imc-1", fake_time.clock()) is not None


def test_polled_cache_sleep_moves_the_next_fetch_later(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, ["imc-1"])
    poller = on_fake_time(fake_time, service.describe_all, min_interval=0.01)
    view = PolledCache(poller, "imc-1", clock=fake_time.clock)
    view.fetch()
    asleep_at = fake_time.clock()
    view.sleep(0.2)
    view.fetch()
    assert service.started[-1] >= asleep_at + 0.2


def test_a_throttled_round_is_retried_without_failing_its_waiters(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, ["imc-1"])
    failures = [ApiError("DescribeImageCaches", "Throttling.User", "slow down", "r", 400)] * 2

    def flaky() -> list[dict[str, Any]]:
        if failures:
            raise failures.pop()
        return service.describe_all()

    poller = on_fake_time(fake_time, flaky, min_interval=0.01)
    assert poller.observe("imc-1", fake_time.clock()) is not None
    assert poller.rounds == 1


def test_a_service_that_stays_throttled_is_reported_after_the_give_up_time(
    fake_time: FakeTime,
) -> None:
    started: list[float] = []
    throttled = ApiError("DescribeImageCaches", "Throttling.User", "slow down", "r", 400)
    poller = on_fake_time(
        fake_time, failing(fake_time, throttled, started), min_interval=0.01, give_up_after=0.1
    )
    with pytest.raises(ApiError, match="Throttling"):
        poller.observe("imc-1", fake_time.clock())
    assert started[-1] - started[0] >= 0.1


def test_an_unreachable_endpoint_fails_its_waiters_sooner_than_throttling(
    fake_time: FakeTime,
) -> None:
    started: list[float] = []
    down = TransportError("DescribeImageCaches", "ConnectError: refused", unreachable=True)
    poller = on_fake_time(
        fake_time,
        failing(fake_time, down, started),
        min_interval=0.01,
        give_up_after=3600,
        unreachable_after=0.1,
    )
    with pytest.raises(TransportError, match="cannot reach"):
        poller.observe("imc-1", fake_time.clock())
    assert 0.1 <= started[-1] - started[0] < 3600


def test_the_pace_can_be_a_function_of_the_moment(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, ["imc-1"])
    poller = on_fake_time(fake_time, service.describe_all, min_interval=lambda: 0.3)
    poller.observe("imc-1", fake_time.clock())
    poller.observe("imc-1", fake_time.clock())
    first, second = service.started
    assert second >= first + 0.3


def test_a_silent_endpoint_is_given_up_before_another_slow_round_would_pass_the_limit(
    fake_time: FakeTime,
) -> None:
    def silent() -> list[dict[str, Any]]:
        fake_time.spend(40.0)  # two attempts that each wait for a 20 s read timeout
        raise TransportError("DescribeImageCaches", "ReadTimeout")

    poller = on_fake_time(fake_time, silent, min_interval=0.0, unreachable_after=60)
    # One 40 s round failed; a second would end past 60 s, so it was not waited for.
    with pytest.raises(TransportError, match=r"no answer from the ECI endpoint after 1 attempt"):
        poller.observe("imc-1", 0.0)


def test_rounds_without_an_answer_are_reported_at_most_every_few_seconds(
    fake_time: FakeTime,
) -> None:
    lines: list[str] = []

    def refused() -> list[dict[str, Any]]:
        fake_time.spend(2.0)
        raise TransportError("DescribeImageCaches", "ConnectError: refused", unreachable=True)

    poller = on_fake_time(
        fake_time,
        refused,
        min_interval=0.0,
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


# -- interrupt: the engine's Cancel ends every wait ------------------------------------


def test_interrupt_ends_a_wait_in_progress_with_its_error(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, ["imc-1"])
    poller = on_fake_time(fake_time, service.describe_all, min_interval=1)
    waiting = fake_time.start(lambda: poller.observe("imc-1", fake_time.clock() + 3600))
    fake_time.settle()  # the waiter waits for its round, an hour off; the clock stands still
    cancelled = CancelledError()
    poller.interrupt(cancelled)
    with pytest.raises(CancelledError) as ended:
        fake_time.result(waiting)
    assert ended.value is cancelled
    assert service.calls == 0  # ended without its round


def test_interrupt_ends_every_later_wait_with_its_error(fake_time: FakeTime) -> None:
    service = FakeService(fake_time, ["imc-1"])
    poller = on_fake_time(fake_time, service.describe_all, min_interval=1)
    poller.observe("imc-1", fake_time.clock())
    cancelled = CancelledError()
    poller.interrupt(cancelled)
    with pytest.raises(CancelledError) as ended:
        poller.observe("imc-1", fake_time.clock())  # wants a round newer than round 1
    assert ended.value is cancelled
    assert service.calls == 1


# -- a round serves everyone it saw: nothing waits for its own time ---------------------


class ScriptedRounds:
    """Answers round N with the N-th script (id -> Status), the last one from then on."""

    def __init__(self, fake: FakeTime, *rounds: dict[str, str]) -> None:
        self.fake = fake
        self.rounds = list(rounds)
        self.started: list[float] = []  # when each round began

    @property
    def calls(self) -> int:
        return len(self.started)

    def __call__(self) -> list[dict[str, Any]]:
        script = self.rounds[min(self.calls, len(self.rounds) - 1)]
        self.started.append(self.fake.clock())
        return [
            {"ImageCacheId": cache_id, "Status": status, "Round": self.calls}
            for cache_id, status in script.items()
        ]


def waiting_view(
    poller: SharedPoller, fake: FakeTime, cache_id: str, goal: Goal, own_delay: float
) -> PolledCache:
    view = PolledCache(poller, cache_id, clock=fake.clock)
    view.expect(goal.reached)
    view.sleep(own_delay)
    return view


def test_a_round_that_shows_a_cache_ready_wakes_its_waiter_before_its_own_time(
    fake_time: FakeTime,
) -> None:
    service = ScriptedRounds(fake_time, {"imc-a": "Creating", "imc-b": "Ready"})
    poller = on_fake_time(fake_time, service, min_interval=1)
    b = waiting_view(poller, fake_time, "imc-b", READY, own_delay=3600)
    waiting = fake_time.start(b.fetch)
    poller.observe("imc-a", fake_time.clock())  # another waiter's round, due now
    seen = fake_time.result(waiting)
    assert seen is not None and seen["Status"] == "Ready"
    assert service.started == [0.0]


def test_a_cache_still_building_does_not_wake_its_waiter_early(fake_time: FakeTime) -> None:
    service = ScriptedRounds(
        fake_time, {"imc-a": "Creating", "imc-b": "Creating"}, {"imc-b": "Ready"}
    )
    poller = on_fake_time(fake_time, service, min_interval=1)
    b = waiting_view(poller, fake_time, "imc-b", READY, own_delay=60)
    waiting = fake_time.start(b.fetch)
    poller.observe("imc-a", fake_time.clock())  # round 1 sees imc-b building
    seen = fake_time.result(waiting)
    assert seen is not None and (seen["Status"], seen["Round"]) == ("Ready", 2)
    assert service.started == [0.0, 60.0]  # round 2 came at imc-b's own time


def test_a_new_cache_missing_from_a_round_does_not_end_its_wait_for_ready(
    fake_time: FakeTime,
) -> None:
    service = ScriptedRounds(fake_time, {"imc-a": "Creating"}, {"imc-b": "Creating"})
    poller = on_fake_time(fake_time, service, min_interval=1)
    b = waiting_view(poller, fake_time, "imc-b", READY, own_delay=60)
    waiting = fake_time.start(b.fetch)
    poller.observe("imc-a", fake_time.clock())  # round 1 does not list imc-b yet
    seen = fake_time.result(waiting)
    assert seen is not None and seen["Round"] == 2
    assert service.started == [0.0, 60.0]


def test_a_delete_wakes_on_the_round_that_no_longer_lists_the_cache(
    fake_time: FakeTime,
) -> None:
    service = ScriptedRounds(fake_time, {"imc-a": "Creating"})
    poller = on_fake_time(fake_time, service, min_interval=1)
    b = waiting_view(poller, fake_time, "imc-b", GONE, own_delay=3600)
    waiting = fake_time.start(b.fetch)
    poller.observe("imc-a", fake_time.clock())
    assert fake_time.result(waiting) is None
    assert service.started == [0.0]


def test_a_round_started_before_the_wait_began_does_not_wake_it(fake_time: FakeTime) -> None:
    # Round 1 still shows the cache as it was before the update was sent.
    service = ScriptedRounds(fake_time, {"imc-b": "Ready"}, {"imc-b": "Updating"})
    poller = on_fake_time(fake_time, service, min_interval=1)
    poller.observe("imc-b", fake_time.clock())
    fake_time.advance(1)  # the update is sent after round 1 started
    b = waiting_view(poller, fake_time, "imc-b", READY, own_delay=60)
    seen = fake_time.result(fake_time.start(b.fetch))
    assert seen is not None and (seen["Status"], seen["Round"]) == ("Updating", 2)
    assert service.started == [0.0, 61.0]  # round 2 came at the waiter's own time


def test_waking_early_adds_no_round(fake_time: FakeTime) -> None:
    ids = [f"imc-{i}" for i in range(20)]
    service = ScriptedRounds(fake_time, dict.fromkeys(ids, "Ready"))
    poller = on_fake_time(fake_time, service, min_interval=1)
    views = [
        waiting_view(poller, fake_time, cache_id, READY, own_delay=100.0 * (i + 1))
        for i, cache_id in enumerate(ids)
    ]
    waiting = [fake_time.start(view.fetch) for view in views]
    poller.observe("imc-0", fake_time.clock())
    seen = [fake_time.result(w) for w in waiting]
    assert all(cache is not None and cache["Status"] == "Ready" for cache in seen)
    assert service.calls == 1


def test_a_waiter_whose_cache_a_round_saw_ready_returns_without_waiting_for_its_own_poll(
    fake_time: FakeTime,
) -> None:
    service = ScriptedRounds(fake_time, {"imc-b": "Creating"}, {"imc-b": "Ready"})
    poller = on_fake_time(fake_time, service, min_interval=1)
    view = PolledCache(poller, "imc-b", clock=fake_time.clock)
    first_look = threading.Event()
    waiter = Waiter(
        fetch=view.fetch,
        sleep=view.sleep,
        expect=view.expect,
        timeout=600,
        schedule=PollSchedule(first=5),
        clock=fake_time.clock,
        on_poll=lambda cache: first_look.set(),
    )
    waiting = fake_time.start(lambda: waiter.until_ready("imc-b"))
    # Round 1 (building) is due at once, so the clock need not move for this real wait.
    assert first_look.wait(STUCK_AFTER)  # its next poll is at 5 s
    fake_time.advance(1)
    poller.observe("imc-a", fake_time.clock())  # round 2, for someone else, sees it Ready
    ready = fake_time.result(waiting)
    assert (ready["Status"], ready["Round"]) == ("Ready", 2)
    assert service.started == [0.0, 1.0]  # no round at its own 5 s


def test_a_poller_that_gave_up_on_the_endpoint_tells_the_client(fake_time: FakeTime) -> None:
    started: list[float] = []
    told: list[TransportError] = []
    down = TransportError("DescribeImageCaches", "ConnectError: refused", unreachable=True)
    poller = on_fake_time(
        fake_time,
        failing(fake_time, down, started),
        min_interval=0.01,
        unreachable_after=0.1,
        on_unreachable=told.append,
    )
    with pytest.raises(TransportError) as info:
        poller.observe("imc-1", fake_time.clock())
    assert [error.given_up for error in told] == [True]
    assert str(told[0]) == str(info.value)


def test_an_endpoint_another_call_found_down_fails_the_waiters_at_once(
    fake_time: FakeTime,
) -> None:
    started: list[float] = []
    down = TransportError(
        "DeleteImageCache", "ConnectError: refused", unreachable=True, given_up=True
    )
    poller = on_fake_time(
        fake_time, failing(fake_time, down, started), min_interval=0.01, unreachable_after=60
    )
    with pytest.raises(TransportError, match="DeleteImageCache"):
        poller.observe("imc-1", fake_time.clock())
    assert len(started) == 1  # the first round's answer, not sixty seconds of them


def test_a_round_that_can_never_succeed_fails_its_waiters_at_once(fake_time: FakeTime) -> None:
    started: list[float] = []
    scheme = TransportError("DescribeImageCaches", "UnsupportedProtocol", permanent=True)
    poller = on_fake_time(
        fake_time, failing(fake_time, scheme, started), min_interval=0.01, unreachable_after=60
    )
    with pytest.raises(TransportError, match="UnsupportedProtocol"):
        poller.observe("imc-1", fake_time.clock())
    assert len(started) == 1
