"""The engine's parallel slots: the CLI's default, and the one line when our waits fill them."""

from __future__ import annotations

from pathlib import Path

from pulumi_eci_cache.lifecycle.slots import FULL_FOR, SlotWatch, default_parallel, usable_cpus


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
        assert "all 2 of the engine's parallel slots (the CLI's default)" in line
        assert "pulumi up --parallel 64" in line and "PULUMI_PARALLEL=64" in line
        assert slots.line() is None  # once per run


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
