"""examples/typescript and examples/go under the real CLI, on the plugin, against the emulator.

Each example gets its SDK the way its header tells a user, its commands run as written
in the example's copy, whose ``../../`` reaches what the repository holds there: ``npm
install`` of package.json (``make sdks``' tarball), ``go mod tidy`` of go.mod (the published
path replaced by the committed sdk/go, and nothing else). A TypeScript project made
outside the repository runs the README's commands as written (``npm init -y``, ``npm
install`` of the tarball, ``@pulumi/pulumi``, typescript) and the example's program.
Each stack's ``ecicache:*`` config points the plugin's default provider at the served
emulator. The Node.js and Go language hosts beside the CLI run
them (tests/e2e/test_language_hosts_e2e.py); tests/test_sdk_examples.py compiles them.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import packaged_sdks, sdks
from tests.support.readme import commands

from .conftest import PLUGIN_IMAGE_CACHE_TYPE, PulumiStack, ServedEmulator, plugin_stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("sdks"),  # the SDKs generated and built once (conftest.generated),
]

Factory = Callable[..., PulumiStack]
EXAMPLES = sdks.REPO / "examples"


# The examples' headers: what a user runs in the example's folder once `make sdks` ran.
TYPESCRIPT_EXAMPLE_COMMANDS = "npm install\n"
GO_EXAMPLE_COMMANDS = "go mod tidy\n"


def run_as_written(stack: PulumiStack, script: str, **env: str) -> None:
    """``script`` in bash, in the stack's program folder, with its environment."""
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=stack.project_dir,
        env={**stack.env, "GOTOOLCHAIN": "local", **env},
        capture_output=True,
        text=True,
        timeout=sdks.BUILD_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, f"{script}\n{proc.stdout}{proc.stderr}"


def reach(stack: PulumiStack, relative: str, target: Path) -> None:
    """Make an example's ``../../<relative>`` (from the repository layout) reach ``target``
    from the stack's copy of it, so its package.json or go.mod is used unchanged."""
    link = stack.project_dir.parents[1] / relative
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target, target_is_directory=True)


def typescript_example(pulumi_stack: Factory, request: pytest.FixtureRequest) -> PulumiStack:
    """package.json's "file:../../dist/sdks/<tarball>": ``make sdks``' tarball, installed."""
    stack = plugin_stack(pulumi_stack, "examples/typescript")
    packed: packaged_sdks.PackedSdks = request.getfixturevalue("packed_sdks")
    reach(stack, "dist/sdks", packed.tarball.parent)
    run_as_written(stack, TYPESCRIPT_EXAMPLE_COMMANDS)
    return stack


def typescript_project(pulumi_stack: Factory, request: pytest.FixtureRequest) -> PulumiStack:
    """A project outside the repository: examples/typescript's program, no package.json
    of ours, the SDK from the tarball alone."""
    source: Path = request.getfixturevalue("tmp_path") / "my-caches"
    source.mkdir()
    (source / "Pulumi.yaml").write_text("name: my-caches\nruntime: nodejs\n")
    shutil.copyfile(EXAMPLES / "typescript" / "index.ts", source / "index.ts")
    stack = plugin_stack(pulumi_stack, str(source))
    packed: packaged_sdks.PackedSdks = request.getfixturevalue("packed_sdks")
    # README, "Use from YAML / TypeScript / Go"; "$SDKS" is the dist/sdks make sdks filled.
    run_as_written(stack, commands("typescript-project"), SDKS=str(packed.tarball.parent))
    return stack


def go_example(pulumi_stack: Factory, request: pytest.FixtureRequest) -> PulumiStack:
    """go.mod's one replace, "../../sdk/go": the committed module (tests/test_packaged_sdks.py
    holds it to the schema)."""
    stack = plugin_stack(pulumi_stack, "examples/go")
    reach(stack, "sdk/go", packaged_sdks.GO_SDK)
    run_as_written(stack, GO_EXAMPLE_COMMANDS)
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


@pytest.mark.parametrize(
    ("header", "commands"),
    [("typescript/index.ts", TYPESCRIPT_EXAMPLE_COMMANDS), ("go/main.go", GO_EXAMPLE_COMMANDS)],
)
def test_the_example_header_gives_the_commands_its_test_runs(header: str, commands: str) -> None:
    lines = [line.lstrip("/ \t").rstrip() for line in (EXAMPLES / header).read_text().splitlines()]
    assert all(command in lines for command in commands.splitlines()), header
