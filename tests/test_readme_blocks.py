"""Every shell block of the README is run by a test, or says why none can run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.readme import README, Block, blocks

ROOT = README.parent


def _id(block: Block) -> str:
    return f"README.md:{block.line}"


@pytest.mark.parametrize("block", blocks(), ids=_id)
def test_each_shell_block_names_the_test_that_runs_it_or_why_none_does(block: Block) -> None:
    assert block.marker is not None, (
        f"README.md:{block.line}: a ```bash block with no marker on the line before it: "
        "write <!-- run by tests/...py: NAME --> (and run it there with "
        "tests.support.readme.commands(NAME)) or <!-- not run by tests: WHY -->"
    )


@pytest.mark.parametrize("block", [b for b in blocks() if b.test_path], ids=_id)
def test_the_test_a_marker_names_runs_that_block(block: Block) -> None:
    test_file = ROOT / str(block.test_path)
    assert test_file.is_file(), f"README.md:{block.line}: {block.test_path} does not exist"
    assert f'"{block.name}"' in test_file.read_text(), (
        f"README.md:{block.line}: {block.test_path} never takes commands({block.name!r})"
    )


def test_the_parser_finds_a_marked_and_an_unmarked_block(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "<!-- run by tests/x.py: one -->\n```bash\necho 1\n```\n\n```bash\necho 2\n```\n"
    )
    found = blocks(readme)
    assert [(b.name, b.text, b.marker is None) for b in found] == [
        ("one", "echo 1", False),
        (None, "echo 2", True),
    ]
