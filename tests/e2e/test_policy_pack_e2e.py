"""The policy pack under the real CLI: ``eci-cache policy-pack DIR`` then ``pulumi preview``
with it, for a Python program (the dynamic face) and a YAML program (the plugin).

The CLI runs a policy pack directory through the Python language host's RunPlugin;
the pulumi-language-python that scripts/ensure-pulumi builds is the sdk v3.79.0 host
behind a proxy that serves RunPlugin as newer hosts do (scripts/langhost-python), so
these previews name the directory, ``--policy-pack DIR``. One names the pack's
``run-pack`` instead (policy/folder.py: the pack as an executable policy plugin, for a
CLI whose host cannot run packs). Advisory policies show as warnings and the preview
passes; a policy made mandatory by the config file fails it. Each names the policy,
the cache and the value.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_eci_cache.policy.folder import LAUNCHER
from tests.support.readme import commands

from .conftest import REPO_ROOT, PulumiStack, configurable_stack, plugin_stack

pytestmark = pytest.mark.e2e

ECI_CACHE = Path(sys.executable).with_name("eci-cache")  # the package's console script
# A cache that breaks two policies: a retention of 90 days and a flash snapshot.
PYTHON_SPEC = {"retention_days": 90, "flash": True}
YAML_PROPERTIES = {"retentionDays": 90, "flash": True}


def write_pack(
    tmp_path: Path, mandatory: str | None = None, *, launcher: bool = False
) -> tuple[Path, Path]:
    """The pack the console script writes (its directory, or its ``run-pack`` when
    ``launcher``), and its config file: a stack may hold no cache (a stack policy,
    advisory), and ``mandatory`` is that policy's level."""
    directory = tmp_path / "policy-pack"
    subprocess.run([str(ECI_CACHE), "policy-pack", str(directory)], check=True)
    config_file = directory / "policy-config.json"
    config = json.loads(config_file.read_text())
    config["eci-cache-count"]["maxCaches"] = 0
    if mandatory is not None:
        config[mandatory]["enforcementLevel"] = "mandatory"
    config_file.write_text(json.dumps(config))
    return (directory / LAUNCHER if launcher else directory), config_file


def preview_with_pack(
    stack: PulumiStack,
    tmp_path: Path,
    mandatory: str | None = None,
    *,
    fails: bool = False,
    launcher: bool = False,
) -> str:
    """``pulumi preview`` with the pack (``--policy-pack DIR``, or ``DIR/run-pack`` when
    ``launcher``); what it printed. It must fail when ``fails``, else pass."""
    pack, config = write_pack(tmp_path, mandatory, launcher=launcher)
    args = ("--policy-pack", str(pack), "--policy-pack-config", str(config))
    proc = stack.preview(*args, check=False)
    out = proc.stdout + proc.stderr
    assert (proc.returncode != 0) == fails, f"exit {proc.returncode}:\n{out}"
    return out


def python_stack(pulumi_stack: Callable[..., PulumiStack]) -> PulumiStack:
    return configurable_stack(pulumi_stack, image_cache_name="web", **PYTHON_SPEC)


def yaml_stack(pulumi_stack: Callable[..., PulumiStack]) -> PulumiStack:
    stack = plugin_stack(pulumi_stack, "tests/e2e/programs/yaml-configurable")
    program = stack.program()
    program["resources"]["cache"]["properties"].update(YAML_PROPERTIES)
    stack.write_program(program)
    return stack


# Each face's program, and how it spells the retention (both resources are named cache).
FACES = {"python": (python_stack, "retention_days"), "yaml": (yaml_stack, "retentionDays")}
FLASH = "cache cache: flash: flash true (allowed: false)"
COUNT = "cache cache: caches per stack: the stack's 1 cache (allowed: at most 0)"


def retention(face: str) -> str:
    return f"cache cache: retention: {FACES[face][1]} 90 (allowed: 1 to 30 days)"


@pytest.mark.parametrize("face", list(FACES))
def test_advisory_policies_show_as_warnings_naming_policy_cache_and_value(
    face: str, pulumi_stack: Callable[..., PulumiStack], tmp_path: Path
) -> None:
    out = preview_with_pack(FACES[face][0](pulumi_stack), tmp_path)
    assert "[advisory]  eci-cache-retention  " in out and retention(face) in out, out
    assert "[advisory]  eci-cache-flash  " in out and FLASH in out, out
    assert "[advisory]  eci-cache-count  " in out and COUNT in out, out


@pytest.mark.parametrize("face", list(FACES))
def test_a_mandatory_policy_fails_the_preview_naming_policy_and_cache(
    face: str, pulumi_stack: Callable[..., PulumiStack], tmp_path: Path
) -> None:
    stack = FACES[face][0](pulumi_stack)
    out = preview_with_pack(stack, tmp_path, "eci-cache-flash", fails=True)
    assert "[mandatory]  eci-cache-flash  " in out and FLASH in out, out
    assert "[advisory]  eci-cache-retention  " in out, out


def test_the_run_pack_launcher_still_runs_the_pack(
    pulumi_stack: Callable[..., PulumiStack], tmp_path: Path
) -> None:
    out = preview_with_pack(yaml_stack(pulumi_stack), tmp_path, launcher=True)
    assert "[advisory]  eci-cache-retention  " in out and retention("yaml") in out, out


def test_the_readmes_commands_preview_a_program_with_the_pack(
    pulumi_stack: Callable[..., PulumiStack],
) -> None:
    stack = yaml_stack(pulumi_stack)
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands("policy-pack")],
        cwd=stack.project_dir,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "[advisory]  eci-cache-retention  " in out and retention("yaml") in out, out


def test_the_policy_example_fails_its_configs_mandatory_rules(
    pulumi_stack: Callable[..., PulumiStack], tmp_path: Path
) -> None:
    """examples/policy's program against its own policy-config.json, as its README says."""
    stack = plugin_stack(pulumi_stack, "examples/policy")
    pack = tmp_path / "policy-pack"
    subprocess.run([str(ECI_CACHE), "policy-pack", str(pack)], check=True)
    config = REPO_ROOT / "examples" / "policy" / "policy-config.json"
    proc = stack.preview(
        "--policy-pack", str(pack), "--policy-pack-config", str(config), check=False
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "cache forever: retention:" in out, out
    assert "cache flashy: flash: flash true (allowed: false)" in out, out
