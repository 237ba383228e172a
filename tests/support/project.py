"""The project's own metadata, read from pyproject.toml (the one place it lives)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]

__all__ = ["REPO", "project_table", "runtime_requirements"]


def project_table() -> dict[str, Any]:
    """The ``[project]`` table of pyproject.toml."""
    table: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return table


def runtime_requirements() -> list[Requirement]:
    """The runtime dependencies, as written."""
    return [Requirement(line) for line in project_table()["dependencies"]]
