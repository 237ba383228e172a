"""The line that says our waits hold every one of the engine's parallel slots, under the
real CLI: said once, on the stack's row, at the CLI's default parallelism; never when
``--parallel`` gave more slots than there are caches.

Builds are held, and the test finishes them a wave at a time: the first wave fills the
default slots until the line comes; the second is held full for longer than the line
needs (``FULL_FOR``), so a second line would show; the third is smaller than the slots.
The default slots are counted as the CLI does (4 x the CPUs it may use); the emulator,
which sees exactly one wave of creates while builds are held, checks that count.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from pulumi_eci_cache.lifecycle.slots import FULL_FOR, default_parallel

from .cli_faces import FACES, Face
from .conftest import PulumiStack, ServedEmulator
from .live import LiveRun, live, wait_until

pytestmark = pytest.mark.e2e

HANG = 180.0  # a guard, not a bound: a step that takes this long is stuck
SLOT_LINE = re.compile(r"^all (\d+) of the engine's parallel slots \(the CLI's default\) ")
ADVICE = re.compile(r"run `pulumi up --parallel (\d+)` or set PULUMI_PARALLEL=(\d+)\b")


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"hold_builds": True}


def default_slots() -> int:
    """The CLI's default ``--parallel`` in the stacks' environment (no PULUMI_PARALLEL)."""
    return default_parallel({k: v for k, v in os.environ.items() if k != "PULUMI_PARALLEL"})[0]


def stack_of(
    face: Face, count: int, pulumi_stack: Any, emulator: ServedEmulator, tmp_path: Path
) -> PulumiStack:
    source, config = face.many(count, tmp_path / "program")
    stack: PulumiStack = pulumi_stack(source, config={**config, **face.config(emulator)})
    stack.env.pop("PULUMI_PARALLEL", None)  # the CLI's own default, as most users have it
    return stack


def events(run: LiveRun) -> list[dict[str, Any]]:
    """The ``--json`` event stream (one JSON object a line)."""
    return [json.loads(line.text) for line in run.lines if line.text.startswith("{")]


def slot_lines(run: LiveRun) -> list[dict[str, Any]]:
    """The diagnostics that say the slots are full."""
    found = [e["diagnosticEvent"] for e in events(run) if "diagnosticEvent" in e]
    return [d for d in found if "engine's parallel slots" in d["message"]]


def describes(emulator: ServedEmulator) -> int:
    """The polling rounds (DescribeImageCaches calls) the emulator has answered."""
    return int(emulator.get("calls")["calls"].get("DescribeImageCaches", 0))


def stack_urn(run: LiveRun) -> str:
    [urn] = {
        e["resourcePreEvent"]["metadata"]["urn"]
        for e in events(run)
        if e.get("resourcePreEvent", {}).get("metadata", {}).get("type") == "pulumi:pulumi:Stack"
    }
    return str(urn)


def creates(emulator: ServedEmulator) -> int:
    return int(emulator.get("calls")["calls"].get("CreateImageCache", 0))


@pytest.mark.parametrize("face", FACES, ids=lambda face: face.name)
def test_full_default_slots_are_said_once_on_the_stacks_row(
    face: Face, pulumi_stack: Any, served_emulator: ServedEmulator, tmp_path: Path
) -> None:
    slots = default_slots()
    count = 2 * slots + 4  # two full waves and a smaller one
    stack = stack_of(face, count, pulumi_stack, served_emulator, tmp_path)
    with live(stack, "up", "--yes", "--skip-preview", "--json") as run:
        # Said while the first wave waits, not at the end of the run.
        run.wait_for(lambda text: "engine's parallel slots" in text, HANG, "the slot line")
        wait_until(lambda: creates(served_emulator) >= slots, HANG, "the first wave")
        assert creates(served_emulator) == slots, run.stdout  # one wave: the CLI's slots
        served_emulator.post("builds/finish")
        wait_until(lambda: creates(served_emulator) == 2 * slots, HANG, "the second wave")
        time.sleep(FULL_FOR + 2)  # every slot held again, work waiting: time to say it twice
        served_emulator.post("builds/finish")
        wait_until(lambda: creates(served_emulator) == count, HANG, "the last wave")
        served_emulator.post("builds/finish")
        assert run.wait(HANG) == 0, run.stdout
    lines = slot_lines(run)
    assert len(lines) == 1, lines
    said = lines[0]
    assert said["urn"] == stack_urn(run) and not said.get("ephemeral"), said
    match = SLOT_LINE.match(said["message"])
    assert match is not None and int(match.group(1)) == slots, said["message"]
    advice = ADVICE.search(said["message"])
    assert advice is not None and advice.group(1) == advice.group(2), said["message"]
    assert int(advice.group(1)) >= count, said["message"]  # following it builds all at once
    assert not re.search(r"and \d+ more", said["message"])  # a count it cannot know
    statuses = [r["outputs"]["status"] for r in stack.resources(face.type)]
    assert statuses == ["Ready"] * count


@pytest.mark.parametrize("face", FACES, ids=lambda face: face.name)
def test_no_slot_line_when_parallel_gives_every_cache_a_slot(
    face: Face, pulumi_stack: Any, served_emulator: ServedEmulator, tmp_path: Path
) -> None:
    count = 2 * default_slots() + 4
    parallel = max(64, count)
    stack = stack_of(face, count, pulumi_stack, served_emulator, tmp_path)
    with live(stack, "up", "--yes", "--skip-preview", "--json", "--parallel", str(parallel)) as run:
        wait_until(lambda: creates(served_emulator) == count, HANG, "every create at once")
        # Every build is held: the waits look at their caches each round, and a round
        # is when the line would be said. Wait until rounds have come after the waits
        # were FULL_FOR old, so its absence means the provider saw no reason for it.
        due = time.monotonic() + FULL_FOR
        wait_until(lambda: time.monotonic() >= due, HANG, "the slots held long enough")
        seen = describes(served_emulator)
        wait_until(lambda: describes(served_emulator) >= seen + 2, HANG, "two rounds more")
        served_emulator.post("builds/finish")
        assert run.wait(HANG) == 0, run.stdout
    assert slot_lines(run) == []
    statuses = [r["outputs"]["status"] for r in stack.resources(face.type)]
    assert statuses == ["Ready"] * count
