"""The README's commands and the examples' headers, run as written, as a new user runs them.

Each test takes its commands from the README itself (``tests.support.readme``: the
block whose marker names it) or from an example's header, and runs them with bash in
a copy of this checkout (its tracked and new files; the checkout's ``.venv``, already
made, stands in for ``make venv``'s), in an environment with nothing of ours set: no
``PULUMI_*`` or ``ALIBABA_CLOUD_*`` variables and no virtualenv on ``PATH``. What a
person would type at a prompt is answered by the environment, not by editing a
command: ``PULUMI_SKIP_CONFIRMATIONS`` says yes to ``pulumi up``; an example's header
assumes the README's local backend and passphrase (``PULUMI_BACKEND_URL``,
``PULUMI_CONFIG_PASSPHRASE``). ``make test`` is the one command of the README not run
here: ``.ci/run`` runs it (a test that ran the suite would run itself).

The README's emulator listens on 127.0.0.1:8686, so these tests run one at a time
(one xdist group) and each stops what it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.readme import README, commands

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("readme-8686")]

REPO = README.parent
LISTENING = "ECI emulator listening on http://127.0.0.1:8686"
EMULATOR_URL = "http://127.0.0.1:8686"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of this checkout as a new user has it, with the checkout's own .venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    copy = tmp_path / "repo"
    for name in filter(None, listed):
        source = REPO / name.decode()
        if source.is_file():
            target = copy / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (copy / ".venv").symlink_to(REPO / ".venv")
    # `make venv` is satisfied by the checkout's venv (its stamp newer than pyproject).
    stamp = (REPO / ".venv" / ".installed").stat().st_mtime
    os.utime(copy / "pyproject.toml", (stamp - 1, stamp - 1))
    return copy


@pytest.fixture
def user_env(checkout: Path) -> Iterator[dict[str, str]]:
    """A shell of someone who has not used this project: nothing of ours set. What the
    test leaves running in the copy (an emulator a failed step did not stop) is stopped."""
    venv_bin = str(REPO / ".venv" / "bin")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PULUMI_", "ALIBABA_CLOUD_", "ALICLOUD_", "ECI_CACHE_"))
        and k not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    env["PULUMI_SKIP_CONFIRMATIONS"] = "true"  # the "yes" a person types at `pulumi up`
    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"  # no network but the package indexes here
    yield env
    stop_emulators_in(checkout)


def stop_emulators_in(folder: Path) -> None:
    """Every emulator process started in ``folder`` (its working directory) is stopped."""
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError):
            cwd = Path(os.readlink(proc / "cwd"))
            command = (proc / "cmdline").read_bytes()
            if cwd.is_relative_to(folder) and b"emulator" in command:
                os.kill(int(proc.name), signal.SIGTERM)


def bash(script: str, cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    """Run ``script`` with bash as a user pastes it; what it printed (it must succeed).
    The output goes through a file: a job the script leaves running in the background
    (an emulator started with ``&``) must not keep the command from ending."""
    with tempfile.TemporaryFile(mode="w+") as out:
        proc = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", script],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        out.seek(0)
        printed = out.read()
    assert proc.returncode == 0, f"exit {proc.returncode} of:\n{script}\n---\n{printed}"
    return printed


def exports_of(script: str) -> str:
    """The ``export`` lines of a script: the shell a user keeps after running it."""
    return "\n".join(line for line in script.splitlines() if line.startswith("export "))


def without(script: str, *lines: str) -> str:
    """``script`` without the lines that are run elsewhere (named by their command)."""
    return "\n".join(
        line for line in script.splitlines() if line.split("#", 1)[0].strip() not in lines
    )


def background(script: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """A long-running block (an emulator), started as a user starts it in a shell of its
    own; returns once it says it listens."""
    proc = subprocess.Popen(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        seen.append(line)
        if line.startswith(LISTENING) or time.monotonic() > deadline:
            break
    assert any(s.startswith(LISTENING) for s in seen), "".join(seen)
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


# ---------------------------------------------------------------------------- README


def test_try_it_builds_the_demo_and_its_cleanup_stops_everything(
    checkout: Path, user_env: dict[str, str]
) -> None:
    built = bash(without(commands("try-it"), "make test"), checkout, user_env)
    assert "status" in built and "Ready" in built, built
    previewed = bash(commands("demo-pulumi"), checkout, user_env)
    assert "Previewing update (dev)" in previewed, previewed
    cleaned = bash(commands("demo-cleanup"), checkout, user_env)
    assert "demo stack 'dev' destroyed" in cleaned, cleaned
    assert re.search(r"emulator \(pid \d+\) stopped", cleaned), cleaned


def test_the_yaml_quickstart_builds_a_cache_through_the_plugin(
    checkout: Path, user_env: dict[str, str]
) -> None:
    block = commands("yaml-quickstart")
    built = bash(block, checkout, user_env)
    assert "ecicache:index:ImageCache" in built and "created" in built, built
    bash(
        f"{exports_of(block)}\ncd examples/yaml-quickstart\npulumi destroy --yes\ncd ../..\n"
        "make stop-emulator",
        checkout,
        user_env,
    )


def test_the_emulator_command_serves_on_its_port(checkout: Path, user_env: dict[str, str]) -> None:
    env = {**user_env, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{user_env['PATH']}"}
    served = background(commands("emulator"), checkout, env)  # after `pip install`
    try:
        with urllib.request.urlopen(f"{EMULATOR_URL}/_emulator/caches", timeout=10) as answer:
            listed = json.loads(answer.read())
    finally:
        stop(served)
    assert listed["ImageCaches"] == []


def test_the_iam_example_serves_roles_and_hands_out_an_oidc_token(
    checkout: Path, user_env: dict[str, str]
) -> None:
    env = {**user_env, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{user_env['PATH']}"}
    block = commands("emulator-iam")
    serve, ask = block.split("\ncurl ", 1)  # two shells: the emulator, then curl
    served = background(serve, checkout, env)
    try:
        answer = bash("curl " + ask, checkout, env)
    finally:
        stop(served)
    assert '"token"' in answer, answer


# ------------------------------------------------------------------ examples' headers


def header_commands(example: str, header: str = "Pulumi.yaml") -> str:
    """The commands an example's header (its comment lines: ``#``, ``//`` in code, the
    docstring's indented lines in Python) gives "from the repository root"."""
    comment = {".yaml": "#", ".py": ""}.get(Path(header).suffix, "//")
    lines = (REPO / "examples" / example / header).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "from the repository root" in line.lower())
    taken: list[str] = []
    for line in lines[start + 1 :]:
        if comment and not line.lstrip().startswith(comment):
            break  # the header ended
        body = line.strip().removeprefix(comment).strip()
        if not body:
            if taken:
                break
            continue
        taken.append(body)
    return "\n".join(taken)


@pytest.mark.parametrize(
    ("example", "header"),
    [
        ("yaml-quickstart", "Pulumi.yaml"),
        ("yaml-regions", "Pulumi.yaml"),
        ("yaml-accounts", "Pulumi.yaml"),
        ("typescript", "index.ts"),  # make sdks, npm install of the tarball
        ("go", "main.go"),  # the committed sdk/go through go.mod's one replace
        ("yaml-source-plugin", "Pulumi.yaml"),  # packages:, no plugin on PATH
    ],
)
def test_an_examples_header_runs_as_written(
    example: str, header: str, checkout: Path, user_env: dict[str, str], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    # What the README's steps leave: a local backend, the demo's passphrase.
    env = {**user_env, "PULUMI_BACKEND_URL": f"file://{state}", "PULUMI_CONFIG_PASSPHRASE": "demo"}
    script = header_commands(example, header)
    built = bash(script, checkout, env)
    assert "ecicache:index:ImageCache" in built and "created" in built, built
    bash(f"{exports_of(script)}\ncd examples/{example}\npulumi destroy --yes", checkout, env)


def test_the_policy_examples_header_shows_the_advice_and_what_silences_it(
    checkout: Path, user_env: dict[str, str], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    env = {**user_env, "PULUMI_BACKEND_URL": f"file://{state}", "PULUMI_CONFIG_PASSPHRASE": "demo"}
    script = header_commands("policy")
    out = bash(script, checkout, env)
    assert 'add "no-retention" to silenceAdvice on this cache' in out, out
    assert "flashy: warning: flash is on" in out or "flash is on: a flash" in out, out
    assert "nginx:1.25 is pulled from a public registry" in out, out
    assert "image cache snapshots in this change: +120 GiB (5 caches built, 1 without" in out
    previews = out.split("Previewing update (dev)")  # `pulumi preview`, then `pulumi up`'s
    assert len(previews) == 3, out
    assert "imageCacheSize is 40 GiB" in previews[1], out
    # the provider's silenceAdvice, set between them, silences it in the up's preview
    assert "imageCacheSize is 40 GiB" not in previews[2], out
    assert "image cache snapshots in this change: +120 GiB" in previews[2], out
    assert "redis:7.2 is pulled" not in out, out  # silenced on its cache
    bash(f"{exports_of(script)}\ncd examples/policy\npulumi destroy --yes", checkout, env)
