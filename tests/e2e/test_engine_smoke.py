"""The real engine runs a trivial Python dynamic resource: preview, up, no-op up, destroy.

This proves the toolchain (CLI + Python language host + pulumi-resource-pulumi-python +
the Python SDK in the repo's virtualenv) before any test of our own provider does.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.support.project import runtime_requirements

from .conftest import REPO_ROOT, PulumiCli, PulumiStack

pytestmark = pytest.mark.e2e

DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"
PROGRAM = "tests/e2e/programs/smoke"


def test_the_cli_is_the_version_in_scripts_pulumi_cli_version(pulumi_cli: PulumiCli) -> None:
    wanted = (REPO_ROOT / "scripts" / "pulumi-cli-version").read_text().strip()
    assert pulumi_cli.version == f"v{wanted}"
    for helper in (
        "pulumi-language-python",
        "pulumi-language-python-exec",
        "pulumi-resource-pulumi-python",
    ):
        assert (pulumi_cli.bin_dir / helper).exists(), helper


def test_the_programs_run_an_sdk_in_the_supported_range(pulumi_cli: PulumiCli) -> None:
    code = "import importlib.metadata as m; print(m.version('pulumi'))"
    sdk = subprocess.run(
        [str(pulumi_cli.venv / "bin" / "python"), "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    [pulumi_range] = [req for req in runtime_requirements() if req.name == "pulumi"]
    assert pulumi_range.specifier.contains(sdk), f"SDK {sdk} is outside {pulumi_range}"


def test_dynamic_resource_lifecycle(pulumi_stack) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    stack: PulumiStack = pulumi_stack(PROGRAM, emulator=None, config={"message": "hi there"})

    # preview: the stack and the dynamic resource are to be created
    preview = stack.preview_json()
    creates = [s for s in preview["steps"] if s["op"] == "create"]
    assert {s["urn"].rsplit("::", 1)[-1] for s in creates} >= {"echo"}, preview["steps"]
    assert any(s["urn"].endswith(f"{DYNAMIC_TYPE}::echo") for s in creates)
    assert stack.resources(DYNAMIC_TYPE) == []

    # up: creates it; the provider's outputs land in the state and the stack outputs
    up = stack.up()
    assert "+ 2 created" in up.stdout, up.stdout
    outputs = stack.outputs()
    assert outputs["message"] == "hi there"
    assert outputs["shout"] == "HI THERE"
    assert outputs["echo_id"].startswith("echo-")
    [res] = stack.resources(DYNAMIC_TYPE)
    assert res["id"] == outputs["echo_id"]
    assert res["outputs"]["shout"] == "HI THERE"
    assert "__provider" in res["outputs"]  # the pickled provider (by reference)

    # a second up changes nothing
    preview = stack.preview_json()
    assert preview["changeSummary"] == {"same": 2}, preview["changeSummary"]
    again = stack.up()
    assert "2 unchanged" in again.stdout, again.stdout
    assert stack.outputs()["echo_id"] == outputs["echo_id"]

    # refresh reads it back through the provider and keeps it
    stack.refresh()
    [res] = stack.resources(DYNAMIC_TYPE)
    assert res["id"] == outputs["echo_id"]

    # a changed input is an in-place update (same id)
    stack.config_set("message", "bye")
    update = stack.up()
    assert "1 updated" in update.stdout, update.stdout
    assert stack.outputs() == {**outputs, "message": "bye", "shout": "BYE"}

    # destroy removes it from the state
    destroy = stack.destroy()
    assert "2 deleted" in destroy.stdout, destroy.stdout
    assert stack.resources() == []
    print(f"smoke lifecycle took {time.monotonic() - started:.1f}s")
