"""Builds the sdist and the wheel, and installs the wheel into a clean virtualenv.

Every other test imports the source tree, so a module, ``py.typed`` or an entry point
left out of the package would pass them all; only an installed wheel shows it.
``python -m build`` builds the sdist first and the wheel from the unpacked sdist, so
the wheel also proves the sdist holds everything a build needs. The virtualenv gets
the wheel alone (no extras): what a user's ``pip install pulumi-eci-cache`` gets.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.virtualenv import Venv, checked, create_venv

REPO = Path(__file__).resolve().parents[2]
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
class WheelVenv(Venv):
    """A virtualenv holding the wheel and its runtime dependencies, nothing else."""

    dists: Dists


def clean_copy(dest: Path) -> Path:
    """The working tree without build leftovers: a stale ``*.egg-info/SOURCES.txt`` or
    ``build/lib`` would put files into the sdist and wheel that the config leaves out."""
    shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns(*LEFTOVERS))
    return dest


def build_dists(out_dir: Path) -> Dists:
    """``python -m build`` of a clean copy into ``out_dir`` (sdist, then wheel from it)."""
    source = clean_copy(out_dir.parent / "source")
    checked([sys.executable, "-m", "build", "--outdir", str(out_dir), str(source)], "build", source)
    [sdist] = out_dir.glob("pulumi_eci_cache-*.tar.gz")
    [wheel] = out_dir.glob("pulumi_eci_cache-*.whl")
    return Dists(sdist=sdist, wheel=wheel)


def install_wheel(dists: Dists, venv_dir: Path) -> WheelVenv:
    """A fresh virtualenv (no system site-packages) with ``pip install <wheel>``."""
    return WheelVenv(path=create_venv(venv_dir, dists.wheel).path, dists=dists)
