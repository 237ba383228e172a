"""The CLI reads the plugin's schema (``pulumi package get-schema``), and it binds clean."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pulumi_eci_cache.engine.plugin.__main__ import _semver
from pulumi_eci_cache.engine.plugin.schema import package_schema
from pulumi_eci_cache.version import VERSION
from tests.support import sdks
from tests.support.readme import commands

from .conftest import PulumiCli

pytestmark = pytest.mark.e2e
PLUGIN = "pulumi-resource-ecicache"


def get_schema(pulumi_cli: PulumiCli, tmp_path: Path) -> dict[str, Any]:
    """The README's command (the executable's full path: the CLI looks a bare plugin name
    up in Pulumi's registry), run as written in ``tmp_path``; the schema it wrote."""
    env = {
        "PATH": pulumi_cli.path_env(),
        "PULUMI_HOME": str(tmp_path / "home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands("get-schema")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result: dict[str, Any] = json.loads((tmp_path / "ecicache.json").read_text())
    return result


def test_the_cli_reads_the_plugins_schema(pulumi_cli: PulumiCli, tmp_path: Path) -> None:
    assert get_schema(pulumi_cli, tmp_path) == package_schema(_semver(VERSION))


def test_pulumis_schema_loader_binds_it_without_diagnostics(
    pulumi_cli: PulumiCli, tmp_path: Path
) -> None:
    schema_file = tmp_path / "ecicache.json"
    schema_file.write_text(json.dumps(get_schema(pulumi_cli, tmp_path)))
    result = sdks.run_sdkgen("check", schema_file, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("no diagnostics")
