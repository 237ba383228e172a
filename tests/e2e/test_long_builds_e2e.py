"""Long builds under the real CLI: a Ctrl-C or a ``timeout`` keeps the caches, and the
next ``pulumi up`` waits for them instead of building others.

Builds are held (the emulator's ``hold_builds``): a build ends when the test finishes
it, so nothing races the wall clock. Each scenario runs once per face (a Python program
on the dynamic provider, a YAML one on the plugin) in a class-scoped fixture that keeps
what the run printed and left; the tests read that, and the last ones go on from there.

Two bounds are timed, both far above what a loaded 2-core machine needs (about 1 s):
the CLI exits within 15 s of the Ctrl-C, and each cache's wait ends (its row says
failed) within 5 s of the Ctrl-C or of its timeout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from .cli_faces import FACES, PLUGIN, Face
from .conftest import PulumiCli, PulumiStack, ServedEmulator, stack_factory, start_emulator
from .live import Line, LiveRun, live, wait_until

pytestmark = pytest.mark.e2e

CLI_EXIT_AFTER_SIGINT = 15.0
WAIT_ENDS_WITHIN = 5.0
TIMEOUT = 3  # seconds: the cache's ``timeout`` in the timeout scenario
HANG = 120.0  # a guard, not a bound: a run that takes this long is stuck
NAMES = ("cache-0", "cache-1", "cache-2")

# What the user reads about each cache: its name and id, then one of these. ``{where}``
# is the status of the last look (" while Creating 45%"), absent before the first.
KEPT_AFTER_CTRL_C = (
    "interrupted{where}: the cache is kept in the state, and the next `pulumi up` waits "
    "for it instead of building another"
)
KEPT_AFTER_TIMEOUT = (
    f"not Ready after {TIMEOUT}s{{where}}: the cache is kept in the state; raise the "
    "resource's timeout and run `pulumi up` again to keep waiting for it"
)
WHERE = r"(?: while (?:Preparing|Creating)(?: \d{1,3}%)?)?"


def reason(template: str, name: str, cache_id: str) -> re.Pattern[str]:
    """The message naming the cache (``name (imc-...)``), wherever its build was."""
    text = re.escape(template).replace(re.escape("{where}"), WHERE)
    return re.compile(rf"{re.escape(name)} \({re.escape(cache_id)}\): {text}")


def row(run: LiveRun, name: str, state: str) -> Line:
    """The first line of ``name``'s row in ``state`` (``**creating failed**`` ...)."""
    for line in run.lines:
        if re.search(rf"ImageCache {name} {state}", line.text):
            return line
    raise AssertionError(f"no row of {name} matching {state!r}:\n{run.stdout}")


def wait_for_updates_waiting(run: LiveRun) -> None:
    """Until each cache's update shows its build's status: it waits for the build."""
    for name in NAMES:
        pattern = re.compile(rf"ImageCache {name} updating .*(Preparing|Creating)")
        run.wait_for(lambda text, p=pattern: bool(p.search(text)), HANG, f"{name} waiting")


def diagnostics_of(stdout: str, name: str) -> str:
    """What the CLI's Diagnostics section lists under the resource ``name``."""
    section = stdout.split("\nDiagnostics:\n", 1)[-1]
    match = re.search(
        rf"^  \S+ \({re.escape(name)}\):\n(.*?)(?=^  \S|^Resources:)", section, re.M | re.S
    )
    assert match is not None, f"no diagnostics under {name}:\n{stdout}"
    return match.group(1)


def calls(emulator: ServedEmulator) -> dict[str, int]:
    result: dict[str, int] = emulator.get("calls")["calls"]
    return result


@dataclass
class Finished:
    """A run that ended early, as the user saw it and as it left things."""

    face: Face
    stack: PulumiStack
    emulator: ServedEmulator
    run: LiveRun
    code: int
    sent: float  # when the Ctrl-C was sent (0 when none was)
    exited: float
    caches: list[dict[str, Any]]  # the emulator's, right after the run
    state: list[dict[str, Any]]  # the stack's ImageCache resources, right after
    calls: dict[str, int]


def face_stack(
    request: pytest.FixtureRequest,
    pulumi_cli: PulumiCli,
    tmp_path_factory: pytest.TempPathFactory,
    emulator: ServedEmulator,
    source: str,
    config: dict[str, str],
) -> PulumiStack:
    make = stack_factory(pulumi_cli, tmp_path_factory.mktemp("stacks"), request)
    stack: PulumiStack = make(source, emulator=emulator, config=config)
    return stack


def finished(
    face: Face, stack: PulumiStack, emulator: ServedEmulator, run: LiveRun, sent: float
) -> Finished:
    code = run.wait(HANG)
    assert run.exited is not None
    return Finished(
        face=face,
        stack=stack,
        emulator=emulator,
        run=run,
        code=code,
        sent=sent,
        exited=run.exited,
        caches=emulator.caches(),
        state=stack.resources(face.type),
        calls=calls(emulator),
    )


# --------------------------------------------------------------------------- Ctrl-C


@pytest.fixture(scope="class", params=FACES, ids=lambda face: face.name)
def interrupted(
    request: pytest.FixtureRequest, pulumi_cli: PulumiCli, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Finished]:
    """``pulumi up`` of three caches, Ctrl-C once the service accepted all three."""
    face: Face = request.param
    emulator = start_emulator(tmp_path_factory.mktemp("emulator"), {"hold_builds": True})
    try:
        source, config = face.many(3, tmp_path_factory.mktemp("program"))
        stack = face_stack(
            request,
            pulumi_cli,
            tmp_path_factory,
            emulator,
            source,
            {**config, **face.config(emulator)},
        )
        with live(stack, "up", "--yes", "--skip-preview") as run:
            wait_until(lambda: len(emulator.caches()) == 3, HANG, "the service accepting 3 creates")
            sent = run.interrupt()
            result = finished(face, stack, emulator, run, sent)
        yield result
    finally:
        emulator.stop()


@pytest.mark.xdist_group("long-builds-ctrl-c")  # one scenario, read by every test
class TestCtrlC:
    def test_the_cli_exits_soon_and_every_wait_ends_at_once(self, interrupted: Finished) -> None:
        run = interrupted.run
        assert interrupted.code != 0, run.stdout
        assert interrupted.exited - interrupted.sent < CLI_EXIT_AFTER_SIGINT, run.stdout
        for name in NAMES:
            failed = row(run, name, r"\*\*creating failed\*\*")
            assert failed.at - interrupted.sent < WAIT_ENDS_WITHIN, run.stdout

    def test_the_user_reads_that_each_cache_is_kept_and_waited_for_next_time(
        self, interrupted: Finished
    ) -> None:
        stdout = interrupted.run.stdout
        assert "^C received; cancelling." in stdout
        ids = {cache["ImageCacheName"]: cache["ImageCacheId"] for cache in interrupted.caches}
        for name in NAMES:
            listed = diagnostics_of(stdout, name)
            assert reason(KEPT_AFTER_CTRL_C, name, ids[name]).search(listed), listed

    def test_the_state_holds_the_three_caches(self, interrupted: Finished) -> None:
        ids = sorted(cache["ImageCacheId"] for cache in interrupted.caches)
        assert sorted(r["id"] for r in interrupted.state) == ids
        for resource in interrupted.state:
            [error] = resource["initErrors"]
            assert "the next `pulumi up` waits for it" in error
        assert interrupted.calls.get("CreateImageCache") == 3

    # The two tests below go on with the stack, in this order (pytest keeps it).

    def test_a_ctrl_c_while_the_next_up_waits_keeps_them_again(self, interrupted: Finished) -> None:
        stack, emulator = interrupted.stack, interrupted.emulator
        with live(stack, "up", "--yes", "--skip-preview") as run:
            wait_for_updates_waiting(run)
            sent = run.interrupt()
            assert run.wait(HANG) != 0, run.stdout
        assert run.exited is not None and run.exited - sent < CLI_EXIT_AFTER_SIGINT, run.stdout
        ids = {cache["ImageCacheName"]: cache["ImageCacheId"] for cache in emulator.caches()}
        for name in NAMES:
            failed = row(run, name, r"\*\*updating failed\*\*")
            assert failed.at - sent < WAIT_ENDS_WITHIN, run.stdout
            listed = diagnostics_of(run.stdout, name)
            assert reason(KEPT_AFTER_CTRL_C, name, ids[name]).search(listed), listed
        state = stack.resources(interrupted.face.type)
        assert sorted(r["id"] for r in state) == sorted(ids.values())
        assert all(r.get("initErrors") for r in state)
        assert calls(emulator).get("CreateImageCache") == 3

    def test_the_next_up_waits_for_the_builds_and_creates_nothing(
        self, interrupted: Finished
    ) -> None:
        stack, emulator = interrupted.stack, interrupted.emulator
        with live(stack, "up", "--yes", "--skip-preview") as run:
            wait_for_updates_waiting(run)
            emulator.post("builds/finish")
            assert run.wait(HANG) == 0, run.stdout
        assert "3 updated" in run.stdout
        state = stack.resources(interrupted.face.type)
        assert sorted(r["id"] for r in state) == sorted(r["id"] for r in interrupted.state)
        assert [r["outputs"]["status"] for r in state] == ["Ready"] * 3
        assert not any(r.get("initErrors") for r in state)
        assert calls(emulator).get("CreateImageCache") == 3
        assert "UpdateImageCache" not in calls(emulator)  # nothing to change: it only waited


# -------------------------------------------------------------------------- timeout


@pytest.fixture(scope="class", params=FACES, ids=lambda face: face.name)
def timed_out(
    request: pytest.FixtureRequest, pulumi_cli: PulumiCli, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Finished]:
    """``pulumi up`` of one cache with ``timeout: 3s`` whose build never ends by itself."""
    face: Face = request.param
    emulator = start_emulator(tmp_path_factory.mktemp("emulator"), {"hold_builds": True})
    try:
        config = {**face.config(emulator), **face.timeout_config(f"{TIMEOUT}s")}
        stack = face_stack(request, pulumi_cli, tmp_path_factory, emulator, face.one, config)
        with live(stack, "up", "--yes", "--skip-preview") as run:
            result = finished(face, stack, emulator, run, 0.0)
        yield result
    finally:
        emulator.stop()


@pytest.mark.xdist_group("long-builds-timeout")  # one scenario, read by every test
class TestTimeout:
    def test_up_fails_once_the_timeout_runs_out_naming_the_way_out(
        self, timed_out: Finished
    ) -> None:
        run = timed_out.run
        assert timed_out.code != 0, run.stdout
        [cache] = timed_out.caches
        assert reason(KEPT_AFTER_TIMEOUT, "e2e", cache["ImageCacheId"]).search(
            diagnostics_of(run.stdout, "cache")
        ), run.stdout
        created = row(run, "cache", rf"creating \(\d+s\) creating {cache['ImageCacheId']}")
        failed = row(run, "cache", r"\*\*creating failed\*\*")
        assert failed.at - created.at < TIMEOUT + WAIT_ENDS_WITHIN, run.stdout

    def test_the_state_holds_the_cache(self, timed_out: Finished) -> None:
        [cache] = timed_out.caches
        [resource] = timed_out.state
        assert resource["id"] == cache["ImageCacheId"]
        [error] = resource["initErrors"]
        assert error.startswith(f"e2e ({cache['ImageCacheId']}): not Ready after {TIMEOUT}s")

    def test_with_the_build_done_and_a_longer_timeout_the_next_up_ends_ready(
        self, timed_out: Finished
    ) -> None:
        stack, emulator = timed_out.stack, timed_out.emulator
        emulator.post("builds/finish")
        for key, value in timed_out.face.timeout_config("10m").items():
            stack.config_set(key, value)
        stack.up(timeout=HANG)
        outputs = stack.outputs()
        assert outputs["status"] == "Ready" and outputs["progress"] == "100%"
        assert outputs["image_cache_id"] == timed_out.state[0]["id"]
        assert calls(emulator).get("CreateImageCache") == 1


# ------------------------------------------------------------ customTimeouts (YAML)


def test_a_custom_timeout_of_the_engine_is_named_as_the_deadline(
    pulumi_stack: Any, served_emulator: ServedEmulator, tmp_path: Path
) -> None:
    """customTimeouts reach the plugin and win over the ``timeout`` input, so the message
    names them, and not the input (raising it would change nothing)."""
    cache = {
        "type": PLUGIN.type,
        "properties": {"imageCacheName": "e2e", "images": ["nginx:1.25"]},
        "options": {"customTimeouts": {"create": f"{TIMEOUT}s"}},
    }
    program = {"name": "eci-cache-e2e-custom-timeouts", "runtime": "yaml"}
    (tmp_path / "program").mkdir()
    (tmp_path / "program" / "Pulumi.yaml").write_text(
        yaml.safe_dump({**program, "resources": {"cache": cache}})
    )
    stack = pulumi_stack(tmp_path / "program", config=PLUGIN.config(served_emulator))
    served_emulator.post("config", {"hold_builds": True})
    up = stack.up(check=False, timeout=HANG)
    assert up.returncode != 0, up.stdout
    [kept] = served_emulator.caches()
    listed = diagnostics_of(up.stdout, "cache")
    assert f"e2e ({kept['ImageCacheId']}): not Ready after 3s (customTimeouts create)" in listed
    assert "run `pulumi up` again to keep waiting for it" in listed
    assert "raise the resource's timeout" not in listed
