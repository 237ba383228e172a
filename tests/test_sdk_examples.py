"""examples/typescript and examples/go build against SDKs generated from the plugin's schema.

Each example is copied as it is, given the SDK the way its header tells a user (``make
sdks``' npm tarball, unpacked in node_modules; a go.mod ``replace`` of the published
module path by the committed sdk/go), and compiled
with its own tsconfig.json or go.mod: a property the example uses that the SDK lacks, or
types differently, fails here. tests/e2e/test_sdk_examples_e2e.py runs them.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pulumi_eci_cache.engine.plugin.schema import package_schema
from tests.support import packaged_sdks, sdks

pytestmark = [
    pytest.mark.sdk,
    pytest.mark.xdist_group("sdks"),  # the SDKs generated and built once (conftest.generated),
]

EXAMPLES = sdks.REPO / "examples"


def test_the_typescript_example_type_checks_against_the_sdk(
    typescript_package: Path, tmp_path: Path
) -> None:
    program = tmp_path / "typescript"
    shutil.copytree(EXAMPLES / "typescript", program, ignore=shutil.ignore_patterns("node_modules"))
    name = json.loads((typescript_package / "package.json").read_text())["name"]
    sdks.typecheck_nodejs_program(program, {name: typescript_package})


def test_the_go_example_builds_and_vets_against_the_sdk(tmp_path: Path) -> None:
    program = tmp_path / "go"
    shutil.copytree(EXAMPLES / "go", program)
    sdks.use_go_sdk(program, packaged_sdks.GO_SDK)
    sdks.run_go(["build", "./..."], program)
    sdks.run_go(["vet", "./..."], program)
    assert (program / "eci-cache-go").is_file()


def test_the_typescript_example_pins_the_toolchain_the_tests_use() -> None:
    """The tests run it with tests/support/node's packages: the same versions; and the
    SDK as `make sdks` packs it, under the name the schema gives."""
    package = json.loads((EXAMPLES / "typescript" / "package.json").read_text())
    pins = {**package["dependencies"], **package["devDependencies"]}
    toolchain = json.loads((sdks.NODE_TOOLCHAIN / "package.json").read_text())["devDependencies"]
    assert {name: pins.get(name) for name in toolchain} == toolchain
    sdk_name = package_schema("0.0.0")["language"]["nodejs"]["packageName"]
    tarball = packaged_sdks.tarball_name(packaged_sdks.package_version())
    assert package["dependencies"][sdk_name] == f"file:../../dist/sdks/{tarball}"


def test_the_go_example_replaces_only_the_published_path_by_the_committed_module() -> None:
    gomod = (EXAMPLES / "go" / "go.mod").read_text()
    replaces = [line for line in gomod.splitlines() if line.startswith("replace")]
    assert replaces == [f"replace {packaged_sdks.GO_MODULE} => ../../sdk/go"]


def test_the_go_example_requires_the_clis_sdk_release() -> None:
    gomod = (EXAMPLES / "go" / "go.mod").read_text()
    version = re.escape(sdks.cli_version())
    assert re.search(rf"^\s*{re.escape(sdks.PULUMI_GO_SDK)} v{version}$", gomod, re.MULTILINE)
