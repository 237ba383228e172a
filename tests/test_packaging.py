"""The built wheel and sdist, installed as a user installs them: no extras, no source tree.

A file left out of the package passes every test that imports the source tree; these
run against ``pip install <wheel>`` in a clean virtualenv (tests/support/wheel_install.py).
"""

from __future__ import annotations

import email.parser
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from pulumi_eci_cache.emulator import MISSING_RESPX
from tests.e2e.conftest import start_emulator
from tests.support.project import REPO, project_table
from tests.support.wheel_install import WheelVenv

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.xdist_group("wheel"),  # one wheel built, installed once (conftest.wheel_venv),
]

PUBLIC_IMPORTS = """
import pulumi_eci_cache, pulumi_eci_cache.emulator
from pulumi_eci_cache import *
from pulumi_eci_cache.emulator import *
for module in (pulumi_eci_cache, pulumi_eci_cache.emulator):
    for name in module.__all__:
        getattr(module, name)
print(pulumi_eci_cache.__file__)
"""


def package_files() -> set[str]:
    """Every module of the source tree and the py.typed marker, relative to the repo."""
    return {
        path.relative_to(REPO).as_posix()
        for path in (REPO / "pulumi_eci_cache").rglob("*")
        if (path.suffix == ".py" or path.name == "py.typed") and "__pycache__" not in path.parts
    }


def wheel_metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def test_the_wheel_holds_every_module_and_the_py_typed_marker(wheel_venv: WheelVenv) -> None:
    with zipfile.ZipFile(wheel_venv.dists.wheel) as archive:
        missing = package_files() - set(archive.namelist())
    assert missing == set()


def test_the_sdist_holds_every_module_and_what_a_build_needs(wheel_venv: WheelVenv) -> None:
    with tarfile.open(wheel_venv.dists.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = (package_files() | {"pyproject.toml", "README.md", "CHANGELOG.md"}) - names
    assert missing == set()


def test_a_plain_install_imports_everything_public_from_the_wheel(wheel_venv: WheelVenv) -> None:
    proc = wheel_venv.python_code(PUBLIC_IMPORTS)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).is_relative_to(wheel_venv.path)


def test_the_installed_version_is_the_one_pyproject_declares(wheel_venv: WheelVenv) -> None:
    proc = wheel_venv.python_code("import pulumi_eci_cache; print(pulumi_eci_cache.__version__)")
    assert proc.stdout.strip() == project_table()["version"], proc.stderr


@pytest.mark.parametrize("command", ["module", "console script"])
def test_the_emulator_help_works_after_a_plain_install(wheel_venv: WheelVenv, command: str) -> None:
    if command == "module":
        proc = wheel_venv.run(wheel_venv.python, "-m", "pulumi_eci_cache.emulator", "--help")
        usage = "usage: python -m pulumi_eci_cache.emulator "
    else:
        proc = wheel_venv.run(wheel_venv.bin("eci-emulator"), "--help")
        usage = "usage: eci-emulator "
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(usage)  # each names itself as it was started
    assert "--build-seconds" in proc.stdout


def test_the_eci_cache_command_lists_its_subcommands_after_a_plain_install(
    wheel_venv: WheelVenv,
) -> None:
    proc = wheel_venv.run(wheel_venv.bin("eci-cache"), "import-file", "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: eci-cache import-file ")
    assert "--name-prefix" in proc.stdout


def test_a_plain_install_serves_the_emulator_as_a_module(
    wheel_venv: WheelVenv, tmp_path: Path
) -> None:
    served = start_emulator(tmp_path, python=str(wheel_venv.python), env=wheel_venv.env())
    try:
        assert served.caches() == []
    finally:
        served.stop()


def test_a_plain_install_names_the_extra_the_in_process_mock_needs(
    wheel_venv: WheelVenv,
) -> None:
    proc = wheel_venv.python_code("from pulumi_eci_cache.emulator import mock_eci")
    assert proc.returncode == 1
    last_line = proc.stderr.strip().splitlines()[-1]
    assert last_line == "ModuleNotFoundError: " + MISSING_RESPX.format(name="mock_eci")


def test_the_mock_extra_brings_respx(wheel_venv: WheelVenv) -> None:
    metadata = wheel_metadata(wheel_venv.dists.wheel)
    requirements = [Requirement(line) for line in metadata.get_all("Requires-Dist", [])]
    for_mock_only = {
        req.name
        for req in requirements
        if req.marker is not None
        and req.marker.evaluate({"extra": "mock"})
        and not req.marker.evaluate({"extra": ""})
    }
    assert "mock" in metadata.get_all("Provides-Extra", [])
    assert for_mock_only == {"respx"}


def test_a_plain_install_puts_the_provider_plugin_on_the_path(wheel_venv: WheelVenv) -> None:
    """The engine finds ``pulumi-resource-ecicache`` on PATH; it serves and prints its port."""
    import subprocess

    plugin = wheel_venv.bin("pulumi-resource-ecicache")
    proc = subprocess.Popen(
        [str(plugin), "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=wheel_venv.env(),
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().decode().strip()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert port.isdigit() and int(port) > 0
