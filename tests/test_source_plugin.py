"""The checkout's plugin/ directory, a source-based plugin, without the CLI: what a
language host and the engine start there (the e2e tests run them under the real CLI)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from pulumi.runtime.proto import provider_pb2

from tests.support.provider_server import REPO, ProviderProcess

LAUNCHER = "pulumi-resource-ecicache"


def test_python_started_on_the_plugin_directory_serves_the_plugin() -> None:
    """A current Python language host runs a plugin directory as ``python <dir>
    <engine address>``."""
    with ProviderProcess([str(REPO / "plugin")]) as plugin:
        schema = json.loads(plugin.stub.GetSchema(provider_pb2.GetSchemaRequest()).schema)
    assert schema["name"] == "ecicache"
    assert "ecicache:index:ImageCache" in schema["resources"]


def test_the_launcher_of_a_checkout_without_a_virtualenv_says_so_in_one_sentence(
    tmp_path: Path,
) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "plugin").mkdir(parents=True)
    shutil.copy2(REPO / "plugin" / LAUNCHER, checkout / "plugin" / LAUNCHER)
    run = subprocess.run(
        [str(checkout / "plugin" / LAUNCHER), "127.0.0.1:0"],
        capture_output=True,
        text=True,
        env={"PATH": ""},
        timeout=30,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        f"{LAUNCHER}: no virtualenv at {checkout}/.venv: run `make venv` (or "
        f"`python3 -m venv .venv && .venv/bin/pip install -e .`) in {checkout} first."
    ]
