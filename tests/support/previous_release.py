"""The previous release, installed alone into a clean virtualenv, cached across test runs.

A stack's state names the provider by reference
(``pulumi_eci_cache.provider.ImageCacheProvider``), so a stack that one release made is
read, diffed, updated and deleted by the code of whatever release is installed next.
The upgrade e2e makes a stack with the previous release as it was, then runs the
checkout on it. "As it was" is ``git archive <commit>`` of this repository (the
commit in tests/e2e/previous-release), ``pip install``-ed with the runtime
dependencies that release declares, into a virtualenv of the test run's Python.

The build is kept under the project's cache root,
``${PULUMI_ECI_CACHE_HOME:-$HOME/.cache/pulumi-eci-cache}/previous-release-<commit>/``
(``source/`` the archived tree, ``venv/``, and ``.complete``, the stamp written last),
so only the first run pays for it; a ``flock`` on ``.lock`` makes a concurrent run
wait and reuse it.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.project import REPO
from tests.support.virtualenv import Venv, checked, create_venv, run

RELEASE_FILE = REPO / "tests" / "e2e" / "previous-release"
# Raise it when what the cache holds changes shape, so stale builds are made again.
LAYOUT = 1

__all__ = [
    "RELEASE_FILE",
    "PreviousRelease",
    "PreviousReleaseError",
    "build_previous_release",
    "cache_root",
    "release_commit",
]


class PreviousReleaseError(AssertionError):
    """The previous release could not be named, found or installed (says which and why)."""


@dataclass(frozen=True)
class PreviousRelease:
    """The release's commit, its tree (its programs and examples) and its virtualenv."""

    commit: str
    source: Path
    venv: Venv


def release_commit(path: Path = RELEASE_FILE) -> str:
    """The full commit of main that counts as the previous release.

    Read from tests/e2e/previous-release: one line, the 40-hex commit. A release bumps
    it to itself, so the next release's upgrade is tested from it.
    """
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise PreviousReleaseError(f"cannot read the previous release's commit: {exc}") from exc
    if not re.fullmatch(r"[0-9a-f]{40}", text):
        raise PreviousReleaseError(
            f"{path} must hold one full 40-hex commit (git rev-parse <commit>), not {text!r}"
        )
    return text


def cache_root() -> Path:
    """The project's cache root (shared with scripts/ensure-pulumi)."""
    configured = os.environ.get("PULUMI_ECI_CACHE_HOME")
    return Path(configured) if configured else Path.home() / ".cache" / "pulumi-eci-cache"


def build_previous_release(commit: str | None = None) -> PreviousRelease:
    """The previous release's virtualenv: reused when its stamp says it is complete and
    made by this Python, otherwise built again from scratch."""
    commit = commit or release_commit()
    root = cache_root() / f"previous-release-{commit}"
    release = PreviousRelease(commit=commit, source=root / "source", venv=Venv(root / "venv"))
    stamp = root / ".complete"
    want = _stamp(commit)
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / ".lock"):
        fresh = stamp.is_file() and stamp.read_text() == want and release.venv.python.exists()
        if not fresh:
            stamp.unlink(missing_ok=True)
            _build(release)
            stamp.write_text(want)
    return release


def _stamp(commit: str) -> str:
    # A virtualenv works only with the interpreter that made it.
    python = os.path.realpath(sys.executable)
    return f"commit={commit} python={python} version={sys.version.split()[0]} layout={LAYOUT}\n"


@contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(release: PreviousRelease) -> None:
    _require_commit(release.commit)
    for stale in (release.source, release.venv.path):
        shutil.rmtree(stale, ignore_errors=True)
    _archive(release.commit, release.source)
    create_venv(release.venv.path, release.source)


def _git(*args: str) -> tuple[int, str]:
    try:
        proc = run(["git", "-C", str(REPO), *args], REPO, None, 120)
    except FileNotFoundError as exc:
        raise PreviousReleaseError(
            "git is not installed: the upgrade test builds the previous release from "
            "the repository's history"
        ) from exc
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def _require_commit(commit: str) -> None:
    status, output = _git("rev-parse", "--git-dir")
    if status != 0:
        raise PreviousReleaseError(
            f"{REPO} is not a git checkout ({output}); the upgrade test builds the previous "
            f"release, commit {commit}, from the repository's history: run it in a clone"
        )
    status, _ = _git("cat-file", "-e", f"{commit}^{{commit}}")
    if status != 0:
        raise PreviousReleaseError(
            f"commit {commit}, the previous release named in tests/e2e/previous-release, is "
            f"not in this clone ({REPO}). Fetch it: `git fetch origin {commit}` (in a "
            "shallow clone `git fetch --unshallow origin`), then run the tests again"
        )


def _archive(commit: str, dest: Path) -> None:
    """The release's tree as ``git archive`` gives it: tracked files only, no leftovers."""
    dest.mkdir(parents=True)
    tar = dest.parent / "source.tar"
    try:
        checked(["git", "-C", str(REPO), "archive", "-o", str(tar), commit], "git archive", REPO)
        with tarfile.open(tar) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(dest, filter="data")
            else:  # pragma: no cover - Python releases before the extraction filters
                archive.extractall(dest)
    finally:
        tar.unlink(missing_ok=True)
