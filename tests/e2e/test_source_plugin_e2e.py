"""The repository as a source-based package: a YAML project whose Pulumi.yaml has
``packages: {ecicache: <the checkout>/plugin}`` (examples/yaml-source-plugin), run under the real
CLI with PATH holding the CLI's directory alone: no ``pulumi-resource-ecicache``, no
virtualenv ``bin``. The engine takes the plugin from the checkout itself (its
``plugin/pulumi-resource-ecicache`` launcher, which runs the plugin in the checkout's .venv).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from pulumi_eci_cache import __version__
from pulumi_eci_cache.engine.plugin.__main__ import _semver

from .conftest import (
    PLUGIN,
    PLUGIN_FAST_POLLING,
    PLUGIN_IMAGE_CACHE_TYPE,
    REPO_ROOT,
    PulumiCli,
    PulumiStack,
    ServedEmulator,
)

pytestmark = pytest.mark.e2e

EXAMPLE = "examples/yaml-source-plugin"
YAML_EMPTY = "tests/e2e/programs/yaml-empty"
SOURCE_PLUGIN = REPO_ROOT / "plugin"
Factory = Callable[..., PulumiStack]


def source_plugin_stack(pulumi_stack: Factory, pulumi_cli: PulumiCli) -> PulumiStack:
    """A copy of the example, its ``packages:`` entry naming this checkout's plugin/
    (``../../plugin`` from the example), the CLI's directory alone on PATH."""
    stack = pulumi_stack(EXAMPLE, config=PLUGIN_FAST_POLLING, env={"PATH": str(pulumi_cli.bin_dir)})
    assert not (pulumi_cli.bin_dir / PLUGIN).exists(), f"{PLUGIN} is beside the CLI"
    program = stack.program()
    assert program["packages"] == {"ecicache": "../../plugin"}, program
    program["packages"] = {"ecicache": str(SOURCE_PLUGIN)}
    stack.write_program(program)
    return stack


def test_a_packages_entry_builds_a_ready_cache_with_no_plugin_on_path(
    pulumi_stack: Factory, pulumi_cli: PulumiCli, served_emulator: ServedEmulator
) -> None:
    stack = source_plugin_stack(pulumi_stack, pulumi_cli)
    result = stack.up()
    [cache] = served_emulator.caches()
    assert (cache["Status"], cache["ImageCacheName"]) == ("Ready", "web")
    assert stack.outputs() == {"imageCacheId": cache["ImageCacheId"], "status": "Ready"}
    [state] = stack.resources(PLUGIN_IMAGE_CACHE_TYPE)
    assert state["id"] == cache["ImageCacheId"]
    # The engine names a plugin it took from PATH; this one came from the checkout.
    assert "from $PATH" not in result.stdout + result.stderr


def test_a_packages_entry_previews_no_changes_after_the_up(
    pulumi_stack: Factory, pulumi_cli: PulumiCli, served_emulator: ServedEmulator
) -> None:
    stack = source_plugin_stack(pulumi_stack, pulumi_cli)
    stack.up()
    summary = stack.preview_json("--expect-no-changes")["changeSummary"]
    assert summary == {"same": 2}, summary
    assert len(served_emulator.caches()) == 1


def test_a_packages_entry_destroys_the_cache(
    pulumi_stack: Factory, pulumi_cli: PulumiCli, served_emulator: ServedEmulator
) -> None:
    stack = source_plugin_stack(pulumi_stack, pulumi_cli)
    stack.up()
    stack.destroy()
    assert served_emulator.caches() == []
    assert stack.resources(PLUGIN_IMAGE_CACHE_TYPE) == []


def test_package_add_of_the_launcher_gets_the_schema_and_stops_at_link(
    pulumi_stack: Factory, pulumi_cli: PulumiCli
) -> None:
    """What `pulumi package add` does with the served language hosts (README, "A
    source-based plugin"): it runs the checkout's launcher for the schema and writes the
    YAML package lock, then stops where pulumi-language-yaml 1.25.0 lacks ``Link``, so
    the ``packages:`` entry is written by hand. (``package add <checkout>`` itself is not
    run here: the Python host v3.79.0 would make plugin/ a virtualenv.)"""
    stack = pulumi_stack(YAML_EMPTY, emulator=None, env={"PATH": str(pulumi_cli.bin_dir)})
    result = stack.run("package", "add", str(SOURCE_PLUGIN / PLUGIN), check=False)
    lock = stack.project_dir / "sdks" / "ecicache" / f"ecicache-{_semver(__version__)}.yaml"
    assert yaml.safe_load(lock.read_text())["name"] == "ecicache"
    assert result.returncode != 0
    assert "linking package: method Link not implemented" in result.stderr, result.stderr
    assert "packages" not in stack.program()
