"""The README's shell commands, as a test takes them: each ```bash block with its marker.

Every ```bash block of README.md is preceded by a marker comment saying who runs it:

    <!-- run by tests/e2e/test_readme_e2e.py: demo -->
    <!-- not run by tests: <why> -->

so the commands a new user copies are the commands a test runs, taken from the README
itself (``commands("demo")``), never a copy that can drift (tests/test_readme_blocks.py
holds every block to a marker).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["README", "Block", "blocks", "commands"]

README = Path(__file__).resolve().parents[2] / "README.md"
_MARKER = re.compile(
    r"<!--\s*(run by (?P<path>\S+?): (?P<name>[\w-]+)|not run by tests: (?P<why>.+?))\s*-->"
)


@dataclass(frozen=True)
class Block:
    """One ```bash block: its text, the line it starts on, and its marker's parts."""

    text: str
    line: int
    marker: str | None
    test_path: str | None = None
    name: str | None = None
    why: str | None = None


def blocks(readme: Path = README) -> list[Block]:
    """Every ```bash block of the README, with the marker on the line before its fence."""
    lines = readme.read_text().splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```bash":
            start = i + 1
            end = next(j for j in range(start, len(lines)) if lines[j].strip() == "```")
            before = lines[i - 1].strip() if i > 0 else ""
            match = _MARKER.fullmatch(before)
            found.append(
                Block(
                    text="\n".join(lines[start:end]),
                    line=start,
                    marker=before if match else None,
                    test_path=match["path"] if match else None,
                    name=match["name"] if match else None,
                    why=match["why"] if match else None,
                )
            )
            i = end
        i += 1
    return found


def commands(name: str, readme: Path = README) -> str:
    """The text of the block a test runs under ``name`` (its marker's name)."""
    named = [b for b in blocks(readme) if b.name == name]
    if len(named) != 1:
        raise AssertionError(f"README.md has {len(named)} blocks marked {name!r}, not one")
    return named[0].text
