"""``eci-cache policy-pack DIR``: the policy pack directory it writes, and how it fails."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from pulumi_eci_cache.console import main
from pulumi_eci_cache.policy import folder
from pulumi_eci_cache.rules import policies
from pulumi_eci_cache.version import VERSION

pytestmark = pytest.mark.policy  # needs the policy extra (pulumi-policy)


def write(directory: Path, *extra: str) -> int:
    return main(["policy-pack", str(directory), *extra], {})


def test_it_writes_a_python_policy_pack_running_in_this_virtualenv(tmp_path: Path) -> None:
    assert write(tmp_path / "pack") == 0
    project = yaml.safe_load((tmp_path / "pack" / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == sys.prefix


def test_the_pack_has_the_packages_version(tmp_path: Path) -> None:
    write(tmp_path / "pack")
    project = yaml.safe_load((tmp_path / "pack" / "PulumiPolicy.yaml").read_text())
    assert project["version"] == VERSION


def test_its_main_serves_the_installed_packages_pack(tmp_path: Path) -> None:
    write(tmp_path / "pack")
    text = (tmp_path / "pack" / "__main__.py").read_text()
    assert "from pulumi_eci_cache.policy.pack import serve" in text


def test_its_requirements_name_the_policy_extra_of_this_version(tmp_path: Path) -> None:
    write(tmp_path / "pack")
    text = (tmp_path / "pack" / "requirements.txt").read_text()
    assert text == f"pulumi-eci-cache[policy]=={VERSION}\n"


def test_its_config_file_shows_every_policy_with_its_defaults(tmp_path: Path) -> None:
    write(tmp_path / "pack")
    config = json.loads((tmp_path / "pack" / "policy-config.json").read_text())
    assert config == policies.default_config()


def test_its_launcher_runs_the_pack_with_this_python(tmp_path: Path) -> None:
    write(tmp_path / "pack")
    launcher = tmp_path / "pack" / "run-pack"
    assert os.access(launcher, os.X_OK)
    assert f'"{sys.executable}" -u -m pulumi.policy' in launcher.read_text()


def test_a_directory_that_is_not_empty_fails_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    status = write(tmp_path)
    said = capsys.readouterr().err
    assert status == 1
    reason = "is not empty (--force writes the pack's files over it)"
    assert said == f"eci-cache policy-pack: {tmp_path} {reason}\n"


def test_force_writes_into_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert write(tmp_path, "--force") == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "PulumiPolicy.yaml").exists()


def test_a_file_in_the_way_fails_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pack").write_text("mine")
    assert write(tmp_path / "pack") == 1
    said = capsys.readouterr().err
    assert said == f"eci-cache policy-pack: {tmp_path / 'pack'} is a file, not a directory\n"


def test_without_pulumi_policy_it_names_the_extra_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folder.importlib.util, "find_spec", lambda name: None)
    assert write(tmp_path / "pack") == 1
    said = capsys.readouterr().err
    assert said == (
        "eci-cache policy-pack: pulumi-policy is not installed: install the extra, "
        f"pip install 'pulumi-eci-cache[policy]=={VERSION}'\n"
    )
    assert not (tmp_path / "pack").exists()
