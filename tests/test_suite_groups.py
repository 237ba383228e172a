"""The suite's own scheduling: tests that share one costly fixture (the wheel, the SDKs,
a held-build scenario) carry an ``xdist_group`` mark so that one worker builds it once.

pytest 9.2 silently undid ``--dist loadgroup`` (pytest-dev/pytest-xdist#1386): nothing
failed, each worker built the wheel again (four 75 s builds on two cores). This canary
fails, in one sentence, when the pytest and pytest-xdist installed do that again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GROUPED = """
import pytest

pytestmark = [pytest.mark.xdist_group("one")]


@pytest.mark.parametrize("i", range(6))
def test_worker(i):
    assert i in range(6)
"""


LOADGROUP = ["--dist", "loadgroup", "-v", "test_grouped.py"]


def test_tests_of_one_xdist_group_run_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "3", *LOADGROUP],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # -v prints "[gw1] [ 16%] PASSED test_grouped.py::test_worker[0]" per test.
    passed = [line.split()[0] for line in proc.stdout.splitlines() if " PASSED " in line]
    assert len(passed) == 6, proc.stdout
    workers = set(passed)
    assert len(workers) == 1, (
        f"the tests of one xdist_group ran on workers {sorted(workers)}: this pytest and "
        "pytest-xdist ignore --dist loadgroup (pytest-dev/pytest-xdist#1386); keep pytest "
        "within the range pyproject.toml's test extra declares"
    )
