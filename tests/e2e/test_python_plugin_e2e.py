"""Python on the plugin: a program on ``pulumi_ecicache``, the SDK generated from the
plugin's schema (the ``generated`` fixture), under the real CLI against the emulator.

Beside the dynamic face (``pulumi_eci_cache``), this is the Python way to an explicit
provider, ``pulumi import`` and a state with no pickled code. The SDK is installed with
``pip install --target`` and put on the program's PYTHONPATH, so the tests hold whether
it comes from the generator or from a built wheel; the engine finds the plugin on PATH
(the virtualenv's ``pulumi-resource-ecicache``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import sdks

from .conftest import (
    PLUGIN_FAST_POLLING,
    PLUGIN_IMAGE_CACHE_TYPE,
    PulumiStack,
    ServedEmulator,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("sdks"),  # the SDKs generated and built once (conftest.generated),
]

EXAMPLE = "examples/python-plugin"
EMPTY = "tests/e2e/programs/python-plugin-empty"
PROVIDER_TYPE = "pulumi:providers:ecicache"
Factory = Callable[..., PulumiStack]
# The code a user writes for the imported cache (what `pulumi import` would generate).
IMPORTED_CODE = """
pulumi_ecicache.ImageCache("web", image_cache_name="web", images=["nginx:1.25", "redis:7.2"])
"""


@pytest.fixture(scope="session")
def python_sdk_site(generated: Callable[[str], Path]) -> Path:
    """The generated ``pulumi_ecicache``, installed into a directory for PYTHONPATH."""
    return sdks.install_python_sdk(generated("python"))


def sdk_stack(
    pulumi_stack: Factory, site: Path, emulator: ServedEmulator, source: str = EXAMPLE
) -> PulumiStack:
    """A Python program that imports ``pulumi_ecicache``, the plugin's settings (the
    ``ecicache:`` namespace) pointing at the emulator and polling fast."""
    return pulumi_stack(
        source,
        config={"ecicache:endpoint": emulator.url, **PLUGIN_FAST_POLLING},
        env={"PYTHONPATH": str(site)},
    )


def test_an_explicit_provider_builds_a_ready_cache_from_python(
    pulumi_stack: Factory, python_sdk_site: Path, served_emulator: ServedEmulator
) -> None:
    stack = sdk_stack(pulumi_stack, python_sdk_site, served_emulator)
    stack.up()
    [cache] = served_emulator.caches()
    assert (cache["Status"], cache["ImageCacheName"]) == ("Ready", "web")
    assert stack.outputs() == {"image_cache_id": cache["ImageCacheId"], "status": "Ready"}
    [provider] = stack.resources(PROVIDER_TYPE)
    [state] = stack.resources(PLUGIN_IMAGE_CACHE_TYPE)
    assert provider["urn"].endswith("::hangzhou"), provider["urn"]
    assert state["provider"] == f"{provider['urn']}::{provider['id']}"
    assert state["id"] == cache["ImageCacheId"]


def test_the_python_sdk_state_holds_no_pickled_provider(
    pulumi_stack: Factory, python_sdk_site: Path, served_emulator: ServedEmulator
) -> None:
    stack = sdk_stack(pulumi_stack, python_sdk_site, served_emulator)
    stack.up()
    exported = stack.run("stack", "export", "--show-secrets").stdout
    assert "__provider" not in exported
    types = {r["type"] for r in json.loads(exported)["deployment"]["resources"]}
    assert PLUGIN_IMAGE_CACHE_TYPE in types, types
    assert not any(t.startswith("pulumi-python:dynamic") for t in types), types


def test_a_cache_made_elsewhere_is_imported_into_a_python_sdk_program(
    pulumi_stack: Factory, python_sdk_site: Path, served_emulator: ServedEmulator
) -> None:
    cache_id = served_emulator.cache_made_elsewhere()
    stack = sdk_stack(pulumi_stack, python_sdk_site, served_emulator, EMPTY)
    # Without --generate-code=false the CLI asks the Python language host for the code
    # (GenerateProgram), which the host we build (sdk v3.79.0) does not implement.
    stack.run(
        "import",
        PLUGIN_IMAGE_CACHE_TYPE,
        "web",
        cache_id,
        "--yes",
        "--protect=false",
        "--generate-code=false",
    )
    [state] = stack.resources(PLUGIN_IMAGE_CACHE_TYPE)
    assert state["id"] == cache_id
    program = stack.project_dir / "__main__.py"
    program.write_text(program.read_text() + IMPORTED_CODE)
    stack.preview("--expect-no-changes")
    assert [c["ImageCacheId"] for c in served_emulator.caches()] == [cache_id]
