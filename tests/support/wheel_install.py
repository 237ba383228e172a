"""Builds the sdist and the wheel, and installs the wheel into a clean virtualenv.

Every other test imports the source tree, so a module, ``py.typed`` or an entry point
left out of the package would pass them all; only an installed wheel shows it.
``python -m build`` builds the sdist first and the wheel from the unpacked sdist, so
the wheel also proves the sdist holds everything a build needs. The virtualenv gets
the wheel alone (no extras): what a user's ``pip install pulumi-eci-cache`` gets.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 900.0
LEFTOVERS = (
    ".git",
    ".venv",
    ".nox",
    ".cache",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
)

__all__ = ["Dists", "WheelVenv", "build_dists", "clean_copy", "install_wheel"]


@dataclass(frozen=True)
class Dists:
    """The built distributions."""

    sdist: Path
    wheel: Path


@dataclass(frozen=True)
class WheelVenv:
    """A virtualenv holding the wheel and its runtime dependencies, nothing else."""

    path: Path
    dists: Dists

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
        return _run([str(a) for a in argv], self.path, {**self.env(), **(env or {})}, 300)

    def python_code(self, code: str) -> subprocess.CompletedProcess[str]:
        """``python -c code`` in the virtualenv."""
        return self.run(self.python, "-c", code)


def _run(
    argv: list[str], cwd: Path, env: Mapping[str, str] | None, timeout: float
) -> subprocess.CompletedProcess[str]:
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


def _checked(argv: list[str], what: str, cwd: Path) -> None:
    proc = _run(argv, cwd, None, BUILD_TIMEOUT)
    if proc.returncode != 0:
        raise AssertionError(
            f"{what} failed (exit {proc.returncode}): {' '.join(argv)}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )


def clean_copy(dest: Path) -> Path:
    """The working tree without build leftovers: a stale ``*.egg-info/SOURCES.txt`` or
    ``build/lib`` would put files into the sdist and wheel that the config leaves out."""
    shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns(*LEFTOVERS))
    return dest


def build_dists(out_dir: Path) -> Dists:
    """``python -m build`` of a clean copy into ``out_dir`` (sdist, then wheel from it)."""
    source = clean_copy(out_dir.parent / "source")
    _checked(
        [sys.executable, "-m", "build", "--outdir", str(out_dir), str(source)], "build", source
    )
    [sdist] = out_dir.glob("pulumi_eci_cache-*.tar.gz")
    [wheel] = out_dir.glob("pulumi_eci_cache-*.whl")
    return Dists(sdist=sdist, wheel=wheel)


def install_wheel(dists: Dists, venv_dir: Path) -> WheelVenv:
    """A fresh virtualenv (no system site-packages) with ``pip install <wheel>``."""
    _checked([sys.executable, "-m", "venv", str(venv_dir)], "venv", venv_dir.parent)
    pip = [str(venv_dir / "bin" / "python"), "-m", "pip", "install", "-q"]
    _checked([*pip, "--disable-pip-version-check", str(dists.wheel)], "pip install", venv_dir)
    return WheelVenv(path=venv_dir, dists=dists)
