"""The engine's parallel slots: the CLI's default, and the one line when our waits fill them."""

from __future__ import annotations

import contextlib
from pathlib import Path

from pulumi_eci_cache.lifecycle.slots import (
    FULL_FOR,
    SUGGESTED_PARALLEL,
    SlotWatch,
    default_parallel,
    usable_cpus,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def watch(slots: int = 2) -> tuple[SlotWatch, Clock]:
    clock = Clock()
    return SlotWatch(slots, from_environment=False, clock=clock), clock


def test_pulumi_parallel_sets_the_default() -> None:
    assert default_parallel({"PULUMI_PARALLEL": "16"}) == (16, True)


def test_otherwise_the_default_is_four_per_cpu_the_cli_may_use() -> None:
    assert default_parallel({"GOMAXPROCS": "3"}) == (12, False)


def test_a_cgroup_quota_caps_the_cpus(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert usable_cpus({}, tmp_path) == min(2, usable_cpus({}, tmp_path / "none"))


def test_full_slots_with_work_waiting_are_said_once_after_a_while() -> None:
    slots, clock = watch(2)
    for urn in ("a", "b", "c"):
        slots.checked(urn)
    with slots.operation("a"), slots.operation("b"):
        assert slots.line() is None  # just full: give the engine a moment
        clock.now += FULL_FOR
        line = slots.line()
        assert line is not None
        assert line.startswith("all 2 of the engine's parallel slots (the CLI's default)")
        assert f"pulumi up --parallel {SUGGESTED_PARALLEL}`" in line
        assert f"PULUMI_PARALLEL={SUGGESTED_PARALLEL} " in line
        assert slots.line() is None  # once per run


def test_the_line_never_counts_the_resources_waiting() -> None:
    """The engine checks the next resource only when a slot can take it, so one checked
    resource waiting may stand for dozens: a count ("1 more") would be wrong, and so
    would a suggestion sized by it (8 slots + 1 -> 16, for 20 caches)."""
    slots, clock = watch(8)
    for urn in "abcdefghi":  # 8 running, the 9th checked: all a provider ever sees
        slots.checked(urn)
    with contextlib.ExitStack() as running:
        for urn in "abcdefgh":
            running.enter_context(slots.operation(urn))
        clock.now += FULL_FOR
        line = slots.line()
    assert line is not None
    assert "more resources wait for a slot" in line and "1 more" not in line
    assert "--parallel 64`" in line and "PULUMI_PARALLEL=64 " in line


def test_slots_raised_by_the_environment_are_named_and_doubled() -> None:
    clock = Clock()
    slots = SlotWatch(*default_parallel({"PULUMI_PARALLEL": "40"}), clock=clock)
    slots.checked("waiting")
    with contextlib.ExitStack() as running:
        for i in range(40):
            running.enter_context(slots.operation(str(i)))
        clock.now += FULL_FOR
        line = slots.line()
    assert line is not None and line.startswith(
        "all 40 of the engine's parallel slots (PULUMI_PARALLEL)"
    )
    assert "--parallel 80`" in line and "PULUMI_PARALLEL=80 " in line


def test_full_slots_with_nothing_waiting_say_nothing() -> None:
    slots, clock = watch(2)
    with slots.operation("a"), slots.operation("b"):
        clock.now += 2 * FULL_FOR
        assert slots.line() is None


def test_more_operations_than_the_default_mean_the_user_raised_the_slots() -> None:
    slots, clock = watch(2)
    for urn in ("a", "b", "c", "d"):
        slots.checked(urn)
    with slots.operation("a"), slots.operation("b"), slots.operation("c"):
        clock.now += 2 * FULL_FOR
        assert slots.line() is None


def test_a_resource_whose_diff_found_nothing_does_not_wait_for_a_slot() -> None:
    slots, clock = watch(1)
    slots.checked("a")
    slots.checked("b")
    slots.settled("b")
    with slots.operation("a"):
        clock.now += 2 * FULL_FOR
        assert slots.line() is None
