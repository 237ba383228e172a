"""The fake time the poller's tests run on (tests/support/fake_time.py)."""

from __future__ import annotations

import threading

import pytest

from tests.support.fake_time import FakeTime, FakeTimeStuck


def test_a_timed_wait_ends_when_the_clock_reaches_its_deadline() -> None:
    fake, condition = FakeTime(), threading.Condition()
    with condition:
        assert fake.wait(condition, 5.0) is False
    assert fake.clock() == 5.0


def test_a_notified_wait_ends_without_moving_the_clock() -> None:
    fake, condition = FakeTime(), threading.Condition()
    told: list[bool] = []

    def tell() -> None:
        with condition:
            told.append(True)
            condition.notify_all()

    fake.start(tell)
    with condition:
        while not told:
            assert fake.wait(condition, 3600.0) is True
    assert fake.clock() == 0.0


def test_a_wait_nothing_ends_fails_instead_of_hanging() -> None:
    fake, condition = FakeTime(stuck_after=0.01), threading.Condition()
    with condition, pytest.raises(FakeTimeStuck):
        fake.wait(condition, None)
