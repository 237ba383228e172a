"""The polling schedule and the waiter, with a fake clock: no test waits for real."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from unittest.mock import Mock

import pytest

from pulumi_eci_cache.cloud.waiter import (
    ACCEPTORS,
    GONE,
    READY,
    PollSchedule,
    ProgressReporter,
    Waiter,
    parse_progress,
)
from pulumi_eci_cache.errors import BuildFailedError, CacheGoneError, WaitTimeoutError


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(*caches: Mapping[str, Any] | None) -> Any:
    seen = list(caches)

    def fetch() -> Mapping[str, Any] | None:
        return seen.pop(0) if len(seen) > 1 else seen[0]

    return fetch


def cache(status: str, progress: str = "", **extra: Any) -> dict[str, Any]:
    return {"ImageCacheId": "imc-1", "Status": status, "Progress": progress, **extra}


def test_progress_strings_parse_to_fractions() -> None:
    assert parse_progress("45%") == pytest.approx(0.45)
    assert parse_progress("100%") == 1.0
    assert parse_progress("") is None
    assert parse_progress(None) is None


def test_schedule_polls_rarely_when_the_end_is_far() -> None:
    schedule = PollSchedule(floor=2, ceiling=60)
    # 10% after 60 s predicts 540 s more: wait long, but never beyond the ceiling.
    assert schedule.next_delay(60.0, 0.10) == 60.0


def test_schedule_polls_often_near_the_predicted_end() -> None:
    schedule = PollSchedule(floor=2, ceiling=60)
    # 90% after 270 s predicts 30 s more: look again after half of that.
    assert schedule.next_delay(270.0, 0.90) == pytest.approx(15.0)


def test_schedule_never_polls_faster_than_the_floor() -> None:
    assert PollSchedule(floor=2, ceiling=60).next_delay(100.0, 0.999) == 2.0


def test_schedule_starts_with_the_first_delay_without_progress() -> None:
    assert PollSchedule(first=5).next_delay(0.0, None) == 5.0


def test_waiter_returns_the_ready_cache() -> None:
    clock = FakeClock()
    waiter = Waiter(
        fetch=scripted(cache("Preparing"), cache("Creating", "50%"), cache("Ready", "100%")),
        timeout=600,
        clock=clock,
        sleep=clock.sleep,
    )
    assert waiter.until_ready("imc-1")["Status"] == "Ready"
    assert len(clock.sleeps) == 2


def test_waiter_raises_the_services_reasons_when_the_build_fails() -> None:
    clock = FakeClock()
    events = [
        {"Type": "Normal", "Reason": "Started", "Message": "building"},
        {"Type": "Warning", "Reason": "PullImageFailed", "Message": "cannot pull bad:1"},
    ]
    waiter = Waiter(
        fetch=scripted(cache("Failed", Events=events)), timeout=60, clock=clock, sleep=clock.sleep
    )
    with pytest.raises(BuildFailedError) as info:
        waiter.until_ready("imc-1")
    assert "PullImageFailed: cannot pull bad:1" in str(info.value)
    assert "building" not in str(info.value)
    assert info.value.status == "Failed"


def test_waiter_treats_update_failed_as_a_failure() -> None:
    clock = FakeClock()
    waiter = Waiter(
        fetch=scripted(cache("UpdateFailed")), timeout=60, clock=clock, sleep=clock.sleep
    )
    with pytest.raises(BuildFailedError, match="UpdateFailed"):
        waiter.until_ready("imc-1")


def test_waiter_forgives_a_new_cache_briefly_invisible_to_describe() -> None:
    clock = FakeClock()
    waiter = Waiter(
        fetch=scripted(None, None, cache("Ready")),
        timeout=600,
        clock=clock,
        sleep=clock.sleep,
        missing_grace=3,
    )
    assert waiter.until_ready("imc-1")["Status"] == "Ready"


def test_waiter_reports_a_cache_that_stays_gone() -> None:
    clock = FakeClock()
    waiter = Waiter(fetch=scripted(None), timeout=600, clock=clock, sleep=clock.sleep)
    with pytest.raises(CacheGoneError):
        waiter.until_ready("imc-1")


def test_waiter_gives_up_at_the_timeout_without_sleeping_past_it() -> None:
    clock = FakeClock()
    waiter = Waiter(
        fetch=scripted(cache("Creating", "1%")), timeout=100, clock=clock, sleep=clock.sleep
    )
    with pytest.raises(WaitTimeoutError, match="timeout"):
        waiter.until_ready("imc-1")
    assert clock.now == pytest.approx(100.0)


def test_waiter_until_gone_returns_once_describe_finds_nothing() -> None:
    clock = FakeClock()
    waiter = Waiter(
        fetch=scripted(cache("Ready"), cache("Ready"), None),
        timeout=60,
        clock=clock,
        sleep=clock.sleep,
    )
    waiter.until_gone("imc-1")
    assert len(clock.sleeps) == 2


def test_progress_is_shown_whenever_the_status_or_the_progress_changes() -> None:
    shown: list[tuple[str, str, str]] = []
    reporter = ProgressReporter("web (imc-1)", lambda *line: shown.append(line), Mock())
    reporter.report(cache("Creating", "10%"))
    reporter.report(cache("Creating", "10%"))  # nothing new: nothing shown
    reporter.report(cache("Creating", "45%"))
    reporter.report(cache("Ready", "100%"))
    assert shown == [
        ("web (imc-1)", "Creating", "10%"),
        ("web (imc-1)", "Creating", "45%"),
        ("web (imc-1)", "Ready", "100%"),
    ]


def test_a_failed_build_is_told_once_with_the_services_reasons() -> None:
    told: list[tuple[str, str]] = []
    reporter = ProgressReporter("web (imc-1)", Mock(), lambda *line: told.append(line))
    events = [{"Type": "Warning", "Reason": "PullImageFailed", "Message": "cannot pull bad:1"}]
    reporter.report(cache("Creating", "90%"))
    reporter.report(cache("Failed", "100%", Events=events))
    reporter.report(cache("Failed", "100%", Events=events))
    assert told == [("web (imc-1)", "ended Failed: PullImageFailed: cannot pull bad:1")]


@pytest.mark.parametrize("status", ["Ready", "Failed", "UpdateFailed"])
def test_a_wait_for_ready_is_ended_by_every_settled_status(status: str) -> None:
    assert READY.reached(cache(status))


@pytest.mark.parametrize("status", ["Preparing", "Creating", "Updating", "SomethingNew"])
def test_a_wait_for_ready_goes_on_while_the_cache_builds(status: str) -> None:
    assert not READY.reached(cache(status))


def test_absence_never_ends_a_wait_for_ready() -> None:
    assert not READY.reached(None)


def test_only_absence_ends_a_wait_for_gone() -> None:
    assert GONE.reached(None)
    assert not any(GONE.reached(cache(status)) for status in ACCEPTORS)


def test_the_waiter_tells_its_source_what_ends_each_wait() -> None:
    clock = FakeClock()
    goals: list[Any] = []
    waiter = Waiter(
        fetch=scripted(cache("Ready"), None),
        timeout=60,
        clock=clock,
        sleep=clock.sleep,
        expect=goals.append,
    )
    waiter.until_ready("imc-1")
    waiter.until_gone("imc-1")
    assert goals == [READY.reached, GONE.reached]
