"""examples/typescript and examples/go under the real CLI, on the plugin, against the emulator.

Each example gets the SDK generated from the plugin's schema the way its header tells a
user (the built package in node_modules; a go.mod ``replace`` of the SDK's module by the
generated directory), and its stack's ``ecicache:*`` config points the plugin's default
provider at the served emulator. The Node.js and Go language hosts beside the CLI run
them (tests/e2e/test_language_hosts_e2e.py); tests/test_sdk_examples.py compiles them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import sdks

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


def go_example(pulumi_stack: Factory, request: pytest.FixtureRequest) -> PulumiStack:
    stack = plugin_stack(pulumi_stack, "examples/go")
    generated: Callable[[str], Path] = request.getfixturevalue("generated")
    sdks.use_go_sdk(stack.project_dir, generated("go"))
    return stack


@pytest.fixture(params=[typescript_example, go_example], ids=["typescript", "go"])
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
