"""examples/typescript and examples/go under the real CLI, on the plugin, against the emulator.

Each example gets its SDK the way its header tells a user: the TypeScript SDK is ``make
sdks``' npm tarball, unpacked into node_modules as ``npm install`` does; the Go SDK is
the module committed under sdk/go, which the example's go.mod ``replace``s the published
path by. A TypeScript project made outside the repository runs the README's commands as
written (``npm init -y``, ``npm install`` of the tarball, ``@pulumi/pulumi``, typescript)
and the example's program. Each stack's ``ecicache:*`` config points the plugin's default
provider at the served emulator. The Node.js and Go language hosts beside the CLI run
them (tests/e2e/test_language_hosts_e2e.py); tests/test_sdk_examples.py compiles them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import packaged_sdks, sdks

from .conftest import PLUGIN_IMAGE_CACHE_TYPE, PulumiStack, ServedEmulator, plugin_stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("sdks"),  # the SDKs generated and built once (conftest.generated),
]

Factory = Callable[..., PulumiStack]


def typescript_example(pulumi_stack: Factory, request: pytest.FixtureRequest) -> PulumiStack:
    stack = plugin_stack(pulumi_stack, "examples/typescript")
    package: Path = request.getfixturevalue("typescript_package")
    name = json.loads((package / "package.json").read_text())["name"]
    sdks.link_node_modules(stack.project_dir, {name: package})
    return stack


# README, "Use from YAML / TypeScript / Go": a TypeScript project of one's own, in a
# directory holding Pulumi.yaml and index.ts; "$SDKS" is the dist/sdks `make sdks` filled.
TYPESCRIPT_PROJECT_COMMANDS = """\
npm init -y
npm pkg set main=index.ts
npm install "$SDKS"/pulumi-eci-cache-ecicache-*.tgz \\
  @pulumi/pulumi@3.276.0 typescript@5.9.3 ts-node@10.9.2
"""


def typescript_project(pulumi_stack: Factory, request: pytest.FixtureRequest) -> PulumiStack:
    """A project outside the repository: examples/typescript's program, no package.json
    of ours, the SDK from the tarball alone."""
    source: Path = request.getfixturevalue("tmp_path") / "my-caches"
    source.mkdir()
    (source / "Pulumi.yaml").write_text("name: my-caches\nruntime: nodejs\n")
    shutil.copyfile(sdks.REPO / "examples" / "typescript" / "index.ts", source / "index.ts")
    stack = plugin_stack(pulumi_stack, str(source))
    packed: packaged_sdks.PackedSdks = request.getfixturevalue("packed_sdks")
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", TYPESCRIPT_PROJECT_COMMANDS],
        cwd=stack.project_dir,
        env={**stack.env, "SDKS": str(packed.tarball.parent)},
        capture_output=True,
        text=True,
        timeout=sdks.BUILD_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return stack


def go_example(pulumi_stack: Factory, request: pytest.FixtureRequest) -> PulumiStack:
    """The committed module (tests/test_packaged_sdks.py holds it to the schema)."""
    stack = plugin_stack(pulumi_stack, "examples/go")
    sdks.use_go_sdk(stack.project_dir, packaged_sdks.GO_SDK)
    return stack


@pytest.fixture(
    params=[typescript_example, typescript_project, go_example],
    ids=["typescript", "typescript-outside-the-repository", "go"],
)
def example(pulumi_stack: Factory, request: pytest.FixtureRequest) -> PulumiStack:
    """The example's stack, its SDK installed, the plugin polling fast."""
    make: Callable[[Factory, pytest.FixtureRequest], PulumiStack] = request.param
    return make(pulumi_stack, request)


def test_up_builds_a_ready_cache_and_exports_it(
    example: PulumiStack, served_emulator: ServedEmulator
) -> None:
    """The lookup ran once the cache was built: it finds it."""
    example.up()
    [cache] = served_emulator.caches()
    assert (cache["Status"], cache["ImageCacheName"]) == ("Ready", "web")
    assert cache["Images"] == ["nginx:1.25", "redis:7.2"]
    assert example.outputs() == {
        "imageCacheId": cache["ImageCacheId"],
        "status": "Ready",
        "readyCacheIds": [cache["ImageCacheId"]],
    }
    [state] = example.resources(PLUGIN_IMAGE_CACHE_TYPE)
    assert state["id"] == cache["ImageCacheId"]


def test_destroy_removes_the_cache(example: PulumiStack, served_emulator: ServedEmulator) -> None:
    example.up()
    example.destroy()
    assert served_emulator.caches() == []
    assert example.resources(PLUGIN_IMAGE_CACHE_TYPE) == []


def test_the_readme_gives_the_commands_the_typescript_project_runs() -> None:
    assert TYPESCRIPT_PROJECT_COMMANDS in (sdks.REPO / "README.md").read_text()
