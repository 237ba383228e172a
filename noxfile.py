"""The version matrix: the unit and provider-server tests on every supported Python,
at the lowest and at the newest release of every runtime dependency.

The worker-ceiling lift and the detailed diff reach into the SDK's and grpc's
internals, so they are exactly what breaks silently on another version; users run
Python 3.10 to 3.13 with whatever SDK their repo pins. The floors live in one place,
the lower bounds in pyproject.toml: a ``floor`` session installs every runtime
dependency at its lower bound (pinned, read from pyproject), a
``newest`` session lets pip pick the newest release within the ranges. The end-to-end
suite is not part of the matrix: ``make test`` runs it once, under the newest CLI
with the newest SDK.

    nox -l                                  # the sessions
    nox -s 'tests-3.13(newest)' 'tests-3.10(floor)'   # the corners CI runs
    nox -s probe -- pulumi==3.234.0         # the floor session with some pins moved

Interpreters: ``python3.X`` on PATH when it runs, else the newest
``$PYENV_ROOT/versions/3.X.*`` (pyenv's shims fail for versions that are not
enabled, so they are not trusted). A missing interpreter fails its session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import nox
from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - nox under 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
# Unit and provider-server tests; e2e runs once in `make test`, packaging there too.
MATRIX_MARKERS = "not e2e and not packaging and not sdk and not policy"
# The policy extra is not installed in the matrix (pulumi-policy's protobuf and grpcio
# pins sit above our floors): the modules that import it are not even collected here.
# make test runs them (marker `policy`).
NEEDS_POLICY_EXTRA = ("tests/test_policy_pack.py",)
# Printed by every session, so its log says what it ran against.
REPORTED = ("pulumi", "grpcio", "protobuf", "pydantic", "httpx", "dill")

nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["tests"]  # `nox` alone runs the matrix, not the probe
nox.options.default_venv_backend = "venv"


def _project() -> dict[str, Any]:
    table: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return table


def runtime_floors() -> dict[str, str]:
    """``{name: lower bound}`` of every runtime dependency in pyproject.toml."""
    floors: dict[str, str] = {}
    for line in _project()["dependencies"]:
        req = Requirement(line)
        lower = [s.version for s in req.specifier if s.operator == ">="]
        if len(lower) != 1:
            raise SystemExit(
                f"pyproject.toml: the runtime dependency {line!r} needs exactly one `>=` "
                "lower bound, the release the floor sessions install."
            )
        floors[req.name] = lower[0]
    return floors


def _working(python: Path | str) -> bool:
    try:
        done = subprocess.run(
            [str(python), "-c", "import venv"], capture_output=True, timeout=60, check=False
        )
    except OSError:
        return False
    return done.returncode == 0


def _pyenv_python(minor: str) -> Path | None:
    """The newest pyenv build of ``minor`` (e.g. 3.10 -> .../versions/3.10.13/bin/python3.10)."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    builds = [
        path
        for path in root.glob(f"{minor}.*/bin/python{minor}")
        if path.parent.parent.name.replace(".", "").isdigit()
    ]
    builds.sort(key=lambda path: Version(path.parent.parent.name), reverse=True)
    return next((path for path in builds if _working(path)), None)


def _expose_interpreters() -> None:
    """Put a working ``python3.X`` for each supported Python first on PATH (links in .nox/)."""
    links = ROOT / ".nox" / "interpreters"
    for minor in PYTHONS:
        name = f"python{minor}"
        link = links / name
        found = _pyenv_python(minor)
        if found is None:  # PATH's own python3.X, if it works; else nox fails the session
            link.unlink(missing_ok=True)
            continue
        links.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() and Path(os.readlink(link)) == found:
            continue
        fresh = links / f".{name}.{os.getpid()}"
        fresh.symlink_to(found)
        fresh.replace(link)  # atomic: a nox running beside this one never misses it
    if links.is_dir():
        os.environ["PATH"] = os.pathsep.join([str(links), os.environ.get("PATH", "")])


def _test_tools() -> list[str]:
    """The test extra (and the extras it names) without the package itself."""
    extras = _project()["optional-dependencies"]
    tools: list[str] = []
    for line in extras["test"]:
        req = Requirement(line)
        if req.name == "pulumi-eci-cache":
            tools += [tool for extra in sorted(req.extras) for tool in extras[extra]]
        else:
            tools.append(line)
    return tools


def _install(session: nox.Session, pins: dict[str, str] | None, *, in_range: bool) -> None:
    """Install the repo with its test tools and the newest dependencies in range, or with
    ``pins``: as constraints (``in_range``: pip must resolve them with pyproject's
    ranges, as a user's install would) or in place of the ranges (a probe)."""
    if pins is None:
        session.install("--upgrade", ".[test]")
        return
    pinned = [f"{name}=={v}" for name, v in sorted(pins.items())]
    if in_range:
        constraints = Path(session.create_tmp()) / "constraints.txt"
        constraints.write_text("\n".join(pinned) + "\n")
        session.install("-c", str(constraints), ".[test]")
    else:
        session.install("--no-deps", ".")
        session.install(*pinned, *_test_tools())


def _report(session: nox.Session) -> None:
    session.run(
        "python",
        "-c",
        "import importlib.metadata as m, sys; "
        "print('versions:', sys.version.split()[0], "
        "*(f'{d}=={m.version(d)}' for d in sys.argv[1:]))",
        *REPORTED,
    )


def _run_suite(session: nox.Session, pytest_args: list[str]) -> None:
    # Parallel workers (pytest-xdist): the suite waits on provider processes more
    # than it computes.
    parallel = ["-n", "4", "--dist", "loadgroup"]
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *parallel,
        "-m",
        MATRIX_MARKERS,
        *(f"--ignore={path}" for path in NEEDS_POLICY_EXTRA),
        *pytest_args,
    )


_expose_interpreters()


@nox.session(python=PYTHONS)
@nox.parametrize("deps", [nox.param("floor", id="floor"), nox.param("newest", id="newest")])
def tests(session: nox.Session, deps: str) -> None:
    """Unit + provider-server tests, every runtime dependency at its floor or newest."""
    _install(session, runtime_floors() if deps == "floor" else None, in_range=True)
    _report(session)
    _run_suite(session, session.posargs)


@nox.session(python=PYTHONS[0])
def probe(session: nox.Session) -> None:
    """The floor session with pins moved: ``nox -s probe -- pulumi==3.234.0 [pytest args]``.

    How a floor is found (and re-verified): the floor passes, the release below fails
    (pins may leave pyproject's ranges: the package is installed without its deps).
    """
    pins = runtime_floors()
    pytest_args: list[str] = []
    for arg in session.posargs:
        if "==" in arg and not arg.startswith("-"):
            name, _, pinned = arg.partition("==")
            pins[Requirement(name).name] = pinned
        else:
            pytest_args.append(arg)
    _install(session, pins, in_range=False)
    _report(session)
    _run_suite(session, pytest_args)
