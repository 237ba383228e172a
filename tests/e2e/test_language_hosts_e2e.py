"""Programs in YAML, TypeScript and Go run under the CLI that scripts/ensure-pulumi makes.

Each program has outputs only (no provider, no emulator): what is under test is that the
language host beside the CLI runs a program of its runtime with this CLI release, reads
its stack config and returns its outputs. The provider plugin's own programs build on
this. The hosts are pulumi-yaml 1.25.0 (scripts/pulumi-yaml-version) and the Node.js and
Go hosts of sdk/v3 v3.68.0 and v3.66.0, the last the Go module proxy serves
(scripts/ensure-pulumi, tests/e2e/README-notes.md).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support import sdks

from .conftest import PulumiStack

pytestmark = pytest.mark.e2e

EXPECTED = {
    "message": "hi, world",
    "answer": 42,
    "images": ["nginx:1.25", "redis:7.2"],
    "stackName": "e2e",
}


def _run(stack: PulumiStack, host: str) -> None:
    """One ``pulumi up``: the outputs, the greeting from the stack's config (the program
    ran, with its config), and no resource but the stack."""
    stack.config_set("greeting", "hi")
    up = stack.up()
    assert stack.outputs() == EXPECTED
    # The CLI found the host beside itself; it warns when one comes from elsewhere on PATH.
    assert f"using {host} from $PATH" not in up.stdout + up.stderr
    assert [r["type"] for r in stack.resources()] == ["pulumi:pulumi:Stack"]


def test_yaml_program_runs(pulumi_stack: Callable[..., PulumiStack]) -> None:
    stack = pulumi_stack("tests/e2e/programs/yaml-outputs", emulator=None)
    _run(stack, "pulumi-language-yaml")


def test_typescript_program_runs(pulumi_stack: Callable[..., PulumiStack]) -> None:
    """@pulumi/pulumi and ts-node from the pinned toolchain of tests/support/node."""
    stack = pulumi_stack("tests/e2e/programs/typescript-outputs", emulator=None)
    (stack.project_dir / "node_modules").symlink_to(sdks.node_modules(), target_is_directory=True)
    _run(stack, "pulumi-language-nodejs")


def test_go_program_runs(pulumi_stack: Callable[..., PulumiStack]) -> None:
    """The program requires the CLI's sdk/v3 release; the host builds it with `go`."""
    stack = pulumi_stack("tests/e2e/programs/go-outputs", emulator=None)
    sdks.write_go_mod(stack.project_dir, "go-outputs")
    sdks.run_go(["mod", "tidy"], stack.project_dir)
    _run(stack, "pulumi-language-go")
