"""Ages are judged on the service's clock: a skewed local clock changes no decision."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from pulumi_eci_cache.cloud.clock import ServiceClock
from pulumi_eci_cache.emulator.models import iso_time
from pulumi_eci_cache.rules.adoption import plan_adoption

SERVICE_NOW = 1_798_761_600.0  # what the service's Date header says
DAY = 86400.0


def clock_skewed_by(seconds: float) -> ServiceClock:
    clock = ServiceClock(local=lambda: SERVICE_NOW + seconds)
    clock.observe(formatdate(SERVICE_NOW, usegmt=True))
    return clock


def test_the_first_answer_sets_the_services_time() -> None:
    assert clock_skewed_by(2 * DAY).now() == pytest.approx(SERVICE_NOW, abs=1)


def test_later_answers_do_not_move_it_again() -> None:
    clock = clock_skewed_by(0)
    clock.observe(formatdate(SERVICE_NOW + 3600, usegmt=True))
    assert clock.now() == pytest.approx(SERVICE_NOW, abs=1)


def test_before_any_answer_the_local_clock_is_all_there_is() -> None:
    clock = ServiceClock(local=lambda: 42.0)
    assert (clock.now(), clock.corrected) == (42.0, False)


def test_an_unreadable_date_is_ignored() -> None:
    clock = ServiceClock(local=lambda: 42.0)
    clock.observe("not a date")
    assert not clock.corrected


def decision(created_ago: float, skew: float) -> tuple[str | None, bool]:
    cache = {
        "ImageCacheId": "imc-1",
        "ImageCacheName": "web",
        "Images": ["nginx:1.25"],
        "Status": "Creating",
        "CreationTime": iso_time(SERVICE_NOW - created_ago),
    }
    plan = plan_adoption(
        [cache],
        name="web",
        images=["nginx:1.25"],
        timeout=3600,
        now=clock_skewed_by(skew).now(),
        seen_ids=(),
    )
    return plan.adopt, plan.refusal is not None


@pytest.mark.parametrize("skew", [-2 * DAY, -600.0, 0.0, 600.0, 2 * DAY])
def test_a_recent_own_cache_is_adopted_whatever_the_local_clock_says(skew: float) -> None:
    assert decision(created_ago=60, skew=skew) == ("imc-1", False)


@pytest.mark.parametrize("skew", [-2 * DAY, -600.0, 0.0, 600.0, 2 * DAY])
def test_a_day_old_cache_is_refused_whatever_the_local_clock_says(skew: float) -> None:
    assert decision(created_ago=DAY, skew=skew) == (None, True)
