"""The e2e fixtures themselves: the served emulator, the CLI wrapper's errors, and moving
a stack to another virtualenv."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from .conftest import PulumiCommandError, PulumiStack, ServedEmulator

pytestmark = pytest.mark.e2e


def test_served_emulator_admin_api(served_emulator: ServedEmulator) -> None:
    assert served_emulator.url.startswith("http://127.0.0.1:")
    assert served_emulator.process.poll() is None
    assert served_emulator.caches() == []
    served_emulator.reset()
    assert served_emulator.caches() == []
    assert served_emulator.env()["ALIBABA_CLOUD_ACCESS_KEY_ID"] == served_emulator.access_key_id


def test_failed_command_raises_with_output(pulumi_stack) -> None:  # type: ignore[no-untyped-def]
    stack = pulumi_stack("tests/e2e/programs/smoke", emulator=None)
    with pytest.raises(PulumiCommandError) as info:
        stack.run("stack", "select", "no-such-stack")
    assert info.value.returncode not in (0, None)
    assert "no-such-stack" in str(info.value)
    result = stack.run("stack", "select", "no-such-stack", check=False)
    assert result.returncode != 0


def test_use_venv_moves_program_and_provider_to_another_virtualenv(
    pulumi_stack: Callable[..., PulumiStack], tmp_path: Path
) -> None:
    stack = pulumi_stack("tests/e2e/programs/smoke", emulator=None)
    old_bin = str(stack.cli.venv / "bin")
    other = tmp_path / "other-venv"
    stack.use_venv(other)
    project = yaml.safe_load((stack.project_dir / "Pulumi.yaml").read_text())
    # The engine starts the dynamic provider with the project's virtualenv option...
    assert project["runtime"]["options"]["virtualenv"] == str(other)
    # ...and the language host runs the program with the first python on PATH.
    path = stack.env["PATH"].split(os.pathsep)
    assert path[1] == str(other / "bin") and old_bin not in path
    assert (stack.env["VIRTUAL_ENV"], stack.cli.venv) == (str(other), other)
