"""Clean virtualenvs for tests that run an install as a user has it, not the source tree.

Shared by the wheel install (tests/support/wheel_install.py) and the previous release
(tests/support/previous_release.py): one way to make the virtualenv, to install into
it and to run its commands without anything that would reach the checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BUILD_TIMEOUT = 900.0

__all__ = ["BUILD_TIMEOUT", "Venv", "checked", "create_venv", "run"]


@dataclass(frozen=True)
class Venv:
    """A virtualenv and the way to run its commands outside the source tree."""

    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def bin(self, name: str) -> Path:
        """An executable of the virtualenv (e.g. the ``eci-emulator`` console script)."""
        return self.path / "bin" / name

    def env(self) -> dict[str, str]:
        """This process's environment without anything that would reach the source tree."""
        drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
        return {k: v for k, v in os.environ.items() if k not in drop}

    def run(
        self, *argv: str | os.PathLike[str], env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command of the virtualenv outside the source tree (never raises on exit)."""
        return run([str(a) for a in argv], self.path, {**self.env(), **(env or {})}, 300)

    def python_code(self, code: str) -> subprocess.CompletedProcess[str]:
        """``python -c code`` in the virtualenv."""
        return self.run(self.python, "-c", code)


def run(
    argv: list[str], cwd: Path, env: Mapping[str, str] | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` with captured text output, no stdin, never raising on exit."""
    return subprocess.run(
        argv,
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


def checked(argv: list[str], what: str, cwd: Path) -> None:
    """Run a build step; raise AssertionError naming it, with its output, if it fails."""
    proc = run(argv, cwd, None, BUILD_TIMEOUT)
    if proc.returncode != 0:
        raise AssertionError(
            f"{what} failed (exit {proc.returncode}): {' '.join(argv)}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )


def create_venv(venv_dir: Path, *requirements: str | os.PathLike[str]) -> Venv:
    """A fresh virtualenv of this test run's Python (no system site-packages), with
    ``pip install <requirements>`` (their runtime dependencies as they declare them)."""
    checked([sys.executable, "-m", "venv", str(venv_dir)], "venv", venv_dir.parent)
    pip = [str(venv_dir / "bin" / "python"), "-m", "pip", "install", "-q"]
    argv = [*pip, "--disable-pip-version-check", *map(str, requirements)]
    checked(argv, "pip install", venv_dir)
    return Venv(path=venv_dir)
