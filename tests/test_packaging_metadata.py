"""What the package promises about itself: its version, its ranges, its optional respx.

Fast checks of the source tree and the installed metadata; tests/test_packaging.py
checks the built wheel in a clean virtualenv.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sys

import pytest
from packaging.version import Version

import pulumi_eci_cache
from pulumi_eci_cache import emulator
from tests.support.project import REPO, project_table, runtime_requirements

# pulumi 3.207 stopped the provider server cancelling calls queued for 30 s.
SDK_FLOOR_AT_LEAST = Version("3.207.0")


@pytest.fixture
def without_respx(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a plain install: ``import respx`` fails and the mock module is not loaded."""
    monkeypatch.setitem(sys.modules, "respx", None)
    monkeypatch.delitem(sys.modules, "pulumi_eci_cache.emulator.mock", raising=False)


def lower_bound(name: str) -> Version:
    [req] = [r for r in runtime_requirements() if r.name == name]
    [floor] = [Version(s.version) for s in req.specifier if s.operator == ">="]
    return floor


def test_the_version_is_the_one_pyproject_declares() -> None:
    declared = project_table()["version"]
    assert pulumi_eci_cache.__version__ == declared
    assert importlib.metadata.version("pulumi-eci-cache") == declared


def test_every_runtime_dependency_ranges_from_its_floor_to_below_its_next_major() -> None:
    for req in runtime_requirements():
        ops = {s.operator: Version(s.version) for s in req.specifier}
        assert set(ops) == {">=", "<"}, f"{req}: a floor and a ceiling, nothing else"
        next_major = Version(f"{ops['>='].major + 1}")
        assert ops["<"] == next_major, f"{req}: the ceiling should be {next_major}"


def test_the_sdk_floor_keeps_queued_calls_alive() -> None:
    assert lower_bound("pulumi") >= SDK_FLOOR_AT_LEAST


def test_the_readme_states_every_runtime_range_and_the_pythons() -> None:
    readme = (REPO / "README.md").read_text()
    for line in project_table()["dependencies"]:
        assert f"`{line}`" in readme, f"README.md does not state the range `{line}`"
    assert "| Python | 3.10, 3.11, 3.12 and 3.13 |" in readme
    assert project_table()["requires-python"] == ">=3.10"


def test_the_changelog_has_an_unreleased_section_and_the_current_version() -> None:
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog
    assert f"## [{project_table()['version']}]" in changelog


@pytest.mark.usefixtures("without_respx")
def test_the_in_process_mock_without_respx_says_what_to_install() -> None:
    with pytest.raises(ModuleNotFoundError) as missing:
        emulator.mock_eci  # noqa: B018 - the attribute access is the import
    assert str(missing.value) == emulator.MISSING_RESPX.format(name="mock_eci")
    assert "pip install 'pulumi-eci-cache[mock]'" in str(missing.value)


@pytest.mark.usefixtures("without_respx")
def test_everything_the_emulator_exports_imports_without_respx() -> None:
    reloaded = importlib.reload(emulator)
    namespace: dict[str, object] = {}
    exec("from pulumi_eci_cache.emulator import *", namespace)
    assert set(reloaded.__all__) <= set(namespace)
    assert not set(reloaded.__all__) & reloaded.MOCK_NAMES


def test_the_in_process_mock_is_importable_where_respx_is_installed() -> None:
    from pulumi_eci_cache.emulator import EmulatedEci, emulated_eci, mock_eci

    assert (EmulatedEci.__module__, emulated_eci.__module__, mock_eci.__module__) == (
        "pulumi_eci_cache.emulator.mock",
    ) * 3
