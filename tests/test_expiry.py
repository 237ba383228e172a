"""When temporary credentials are renewed: ahead of their end, never at it (pure)."""

from __future__ import annotations

import pytest

from pulumi_eci_cache.rules.expiry import Lease

HOUR = Lease(issued=0.0, expires=3600.0)
SHORT = Lease(issued=0.0, expires=20.0)


def test_a_new_session_is_fresh() -> None:
    assert HOUR.phase(60.0) == "fresh"


def test_an_hour_long_session_is_renewed_ahead_in_its_last_15_minutes() -> None:
    assert (HOUR.phase(2699.0), HOUR.phase(2700.0)) == ("fresh", "renew-ahead")


def test_an_hour_long_session_must_be_renewed_in_its_last_minute() -> None:
    assert (HOUR.phase(3539.0), HOUR.phase(3540.0)) == ("renew-ahead", "renew-now")


@pytest.mark.parametrize(
    ("now", "phase"), [(13.0, "fresh"), (14.0, "renew-ahead"), (18.0, "renew-now")]
)
def test_a_20_second_session_is_renewed_in_its_last_third(now: float, phase: str) -> None:
    assert SHORT.phase(now) == phase


def test_a_session_past_its_end_must_be_renewed() -> None:
    assert HOUR.phase(4000.0) == "renew-now"
