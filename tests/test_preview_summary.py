"""When a preview's summary is said (lifecycle/preview_summary.py): once the provider has
heard nothing new for QUIET seconds, once per new total, never before. Time is fake."""

from __future__ import annotations

import threading
import time

from pulumi_eci_cache.lifecycle.preview_summary import PreviewSummary
from pulumi_eci_cache.rules.change_summary import Contribution
from tests.support.manual_clock import ManualClock as Clock


def summary(clock: Clock) -> PreviewSummary:
    return PreviewSummary(clock=clock, sleep=clock.sleep, quiet=0.3, most=3.0)


NEW = Contribution(added_gib=20, added_caches=1, added_without_retention=1)


def test_the_summary_is_said_once_the_preview_has_gone_quiet() -> None:
    clock, said = Clock(), []
    preview = summary(clock)
    preview.record("urn:a", NEW)
    preview.settle(said.append)
    assert clock.now >= 0.3
    assert len(said) == 1 and "+20 GiB (1 cache built" in said[0]


def test_every_held_answer_after_the_first_says_nothing_new() -> None:
    clock, said = Clock(), []
    preview = summary(clock)
    preview.record("urn:a", NEW)
    preview.record("urn:b", NEW)
    preview.settle(said.append)
    preview.settle(said.append)
    assert len(said) == 1 and "+40 GiB (2 caches built" in said[0]


def test_a_later_cache_brings_a_second_line_with_the_new_totals() -> None:
    clock, said = Clock(), []
    preview = summary(clock)
    preview.record("urn:a", NEW)
    preview.settle(said.append)
    preview.record("urn:b", NEW)
    preview.settle(said.append)
    assert [line.split(";")[0][-38:] for line in said] == [
        "+20 GiB (1 cache built, 1 without retention: billed until deleted)"[-38:],
        "+40 GiB (2 caches built, 2 without retention: billed until deleted)"[-38:],
    ]


def test_a_replacements_create_keeps_the_part_its_diff_recorded() -> None:
    clock, said = Clock(), []
    preview = summary(clock)
    preview.record("urn:a", Contribution(30, 20, 1, 1, 0, 1))
    preview.record("urn:a", NEW, replace=False)
    preview.settle(said.append)
    assert "-20 GiB (1 cache replaced" in said[0]


def test_nothing_is_said_when_the_change_holds_no_snapshot() -> None:
    clock, said = Clock(), []
    preview = summary(clock)
    preview.heard()
    preview.settle(said.append)
    assert said == []


def test_a_busy_provider_holds_an_answer_at_most_most_seconds() -> None:
    clock, said = Clock(), []
    preview = summary(clock)
    preview.record("urn:a", NEW)
    real_sleep = clock.sleep

    def busy_sleep(seconds: float) -> None:
        real_sleep(seconds)
        preview.heard()  # another call arrives during every wait

    preview._sleep = busy_sleep
    preview.settle(said.append)
    assert 3.0 <= clock.now < 3.5 and len(said) == 1


def test_settle_later_says_the_summary_from_a_thread_of_its_own() -> None:
    said: list[str] = []
    done = threading.Event()
    preview = PreviewSummary(quiet=0.01, most=1.0)
    preview.record("urn:a", NEW)
    preview.settle_later(lambda line: (said.append(line), done.set()))
    assert done.wait(5)
    assert len(said) == 1


def test_a_later_call_releases_the_held_one_and_says_the_summary_in_its_place() -> None:
    said: list[str] = []
    preview = PreviewSummary(quiet=0.5, most=5.0)
    preview.record("urn:a", NEW)
    first = threading.Thread(target=preview.settle, args=(said.append,))
    first.start()
    time.sleep(0.1)  # the first call holds
    preview.record("urn:b", NEW)
    second = threading.Thread(target=preview.settle, args=(said.append,))
    second.start()
    first.join(timeout=0.3)  # freed by the second at once, well before its quiet
    assert not first.is_alive() and said == []
    second.join(timeout=5)
    assert len(said) == 1 and "+40 GiB (2 caches built" in said[0]
