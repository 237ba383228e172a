"""``make sdks``: the committed Go SDK is the schema's, every SDK names its plugin, and
the packages hold what a program installs.

The packing (conftest.packed_sdks) runs once per session; tests/e2e/test_sdk_examples_e2e.py
installs the tarball in the examples and in a project outside the repository.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import packaged_sdks, sdks

pytestmark = [pytest.mark.sdk]

PLUGIN = {"resource": True, "name": "ecicache"}
packed = pytest.mark.xdist_group("sdks")  # make sdks once (conftest.packed_sdks)


def test_the_committed_go_sdk_is_what_the_schema_generates(tmp_path: Path) -> None:
    version = packaged_sdks.package_version()
    schema = packaged_sdks.write_schema(tmp_path / "ecicache.json", version)
    fresh = packaged_sdks.generate_go_sdk(schema, tmp_path / "go", version)
    stale = packaged_sdks.go_sdk_differences(fresh, packaged_sdks.GO_SDK)
    assert not stale, (
        f"sdk/go is stale against the plugin's schema ({', '.join(stale)} differ): "
        f"run `{packaged_sdks.REGENERATE}` and commit sdk/go"
    )


def test_a_changed_file_of_the_go_sdk_is_named(tmp_path: Path) -> None:
    committed = tmp_path / "committed"
    fresh = tmp_path / "fresh"
    for tree in (committed, fresh):
        (tree / "ecicache").mkdir(parents=True)
        (tree / "go.mod").write_text("module example.com/sdk\n")
    (committed / "ecicache" / "imageCache.go").write_text("package ecicache // old\n")
    (fresh / "ecicache" / "imageCache.go").write_text("package ecicache // new\n")
    (fresh / "ecicache" / "added.go").write_text("package ecicache\n")
    assert packaged_sdks.go_sdk_differences(fresh, committed) == [
        "ecicache/added.go",
        "ecicache/imageCache.go",
    ]


def test_the_go_sdk_has_the_module_path_examples_require() -> None:
    gomod = (packaged_sdks.GO_SDK / "go.mod").read_text().splitlines()
    assert gomod[0] == f"module {packaged_sdks.GO_MODULE}"


@pytest.mark.parametrize(
    ("language", "manifest"),
    [
        ("go", "ecicache/pulumi-plugin.json"),
        ("python", "pulumi_ecicache/pulumi-plugin.json"),
        ("dotnet", "pulumi-plugin.json"),
    ],
)
def test_generation_writes_the_plugin_and_the_version_asked_for(
    language: str, manifest: str, tmp_path: Path
) -> None:
    """``--version`` wins over the schema's: the engine loads the plugin of that version."""
    schema = packaged_sdks.write_schema(tmp_path / "ecicache.json", "0.0.1")
    sdk = sdks.generate_sdk(schema, language, tmp_path / language, "7.8.9")
    assert json.loads((sdk / manifest).read_text()) == {**PLUGIN, "version": "7.8.9"}


def test_the_typescript_sdk_names_the_plugin_and_the_version_asked_for(tmp_path: Path) -> None:
    schema = packaged_sdks.write_schema(tmp_path / "ecicache.json", "0.0.1")
    sdk = sdks.generate_sdk(schema, "nodejs", tmp_path / "nodejs", "7.8.9")
    package = json.loads((sdk / "package.json").read_text())
    assert package["version"] == "7.8.9"
    assert package["pulumi"] == {**PLUGIN, "version": "7.8.9"}


def _node_floor(engines: str) -> int:
    """The lowest Node.js major an ``engines.node`` range accepts (">=22" -> 22)."""
    return min(int(re.findall(r"\d+", alternative)[0]) for alternative in engines.split("||"))


def test_the_readme_states_the_node_floor_our_dependencies_declare() -> None:
    """The highest floor of the pinned packages (tests/support/node's lock: @pulumi/pulumi
    3.276.0 declares node >=22) is the one the README gives."""
    lock = json.loads((sdks.NODE_TOOLCHAIN / "package-lock.json").read_text())
    ranges = [entry.get("engines", {}).get("node") for entry in lock["packages"].values()]
    floor = max(_node_floor(r) for r in ranges if isinstance(r, str))
    assert f"Node.js {floor}+" in (sdks.REPO / "README.md").read_text()


@packed
def test_the_tarball_points_at_its_compiled_code_and_declarations(typescript_package: Path) -> None:
    package = json.loads((typescript_package / "package.json").read_text())
    assert (typescript_package / package["main"]).read_text().startswith('"use strict"')
    assert "export declare class ImageCache" in (typescript_package / "imageCache.d.ts").read_text()
    assert (typescript_package / package["types"]).is_file()
    assert package["pulumi"] == {**PLUGIN, "version": packaged_sdks.package_version()}


@packed
def test_the_wheel_installs_the_python_sdk_naming_its_plugin(
    packed_sdks: packaged_sdks.PackedSdks, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site)]
    subprocess.run([*pip, str(packed_sdks.wheel)], check=True, capture_output=True)
    manifest = json.loads((site / "pulumi_ecicache" / "pulumi-plugin.json").read_text())
    assert manifest == {**PLUGIN, "version": packaged_sdks.package_version()}
