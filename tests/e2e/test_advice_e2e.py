"""A preview's cost advice under the real CLI, in both faces: each cache's advice once on
its row, the change's snapshot summary on the stack's, the silencing setting (on the
provider and on a cache) removing exactly the advice it names, nothing when nothing
changes, and the advice about caches nobody uses at ``preview --refresh``.

Three caches: ``kept`` has no retention, ``flashy`` builds a flash snapshot, ``public``
pulls from Docker Hub with no EIP; each breaks exactly one piece of advice.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from pydantic.alias_generators import to_camel

from tests.support.readme import commands

from .conftest import FAST_POLLING, SETTINGS_NAMESPACE, PulumiStack, ServedEmulator, plugin_stack

pytestmark = pytest.mark.e2e

PRIVATE = ["registry.example.com/team/app:1.0"]
CACHES: dict[str, dict[str, Any]] = {
    "kept": {"image_cache_name": "kept", "images": PRIVATE},
    "flashy": {
        "image_cache_name": "flashy",
        "images": PRIVATE,
        "retention_days": 60,
        "flash": True,
    },
    "public": {"image_cache_name": "public", "images": ["nginx:1.25"], "retention_days": 60},
}
EXPECTED = {"kept": "no-retention", "flashy": "flash", "public": "public-registry"}
ADVICE_NAMES = ("no-retention", "flash", "public-registry", "size", "unused")
SUMMARY = "image cache snapshots in this change: +60 GiB (3 caches built, 1 without retention"


def _camel(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {to_camel(k): v for k, v in fields.items()}


def python_stack(
    pulumi_stack: Callable[..., PulumiStack], caches: Mapping[str, Any]
) -> PulumiStack:
    config = {**FAST_POLLING, "caches": json.dumps(caches)}
    return pulumi_stack("tests/e2e/programs/advice", config=config)


def yaml_stack(pulumi_stack: Callable[..., PulumiStack], caches: Mapping[str, Any]) -> PulumiStack:
    stack = plugin_stack(pulumi_stack, "tests/e2e/programs/yaml-empty")
    write_yaml(stack, caches)
    return stack


def write_yaml(stack: PulumiStack, caches: Mapping[str, Any]) -> None:
    program = stack.program()
    program["resources"] = {  # copies: YAML would write shared lists as aliases
        name: {"type": "ecicache:ImageCache", "properties": json.loads(json.dumps(_camel(fields)))}
        for name, fields in caches.items()
    }
    stack.write_program(program)


class Face:
    """One face's program and how it changes the caches and the provider's setting."""

    def __init__(self, name: str, pulumi_stack: Callable[..., PulumiStack]) -> None:
        self.name = name
        make = python_stack if name == "python" else yaml_stack
        self.stack = make(pulumi_stack, CACHES)

    def set_caches(self, caches: Mapping[str, Any]) -> None:
        if self.name == "python":
            self.stack.config_set("caches", json.dumps(caches))
        else:
            write_yaml(self.stack, caches)

    def silence_on_provider(self) -> list[str]:
        """The README's command (for the plugin, the same with its namespace); the
        names it silences."""
        argv = shlex.split(commands("silence-advice"))
        argv[3] = argv[3].replace("eci-cache:", f"{SETTINGS_NAMESPACE[self.name]}:")
        self.stack.run(*argv[1:])
        return list(json.loads(argv[4]))

    def field(self, name: str) -> str:
        return name if self.name == "python" else to_camel(name)


@pytest.fixture(params=["python", "yaml"])
def face(request: pytest.FixtureRequest, pulumi_stack: Callable[..., PulumiStack]) -> Face:
    return Face(request.param, pulumi_stack)


def diagnostics(stack: PulumiStack, *args: str) -> dict[str, list[str]]:
    """``pulumi preview --json``'s diagnostics: the resource's name (the stack's row is
    "stack") -> its messages, in order."""
    found: dict[str, list[str]] = {}
    for diag in stack.preview_json(*args).get("diagnostics", []):
        urn = str(diag.get("urn", ""))
        name = "stack" if "pulumi:pulumi:Stack" in urn else urn.rsplit("::", 1)[-1]
        found.setdefault(name, []).append(str(diag["message"]))
    return found


def advice_on(found: Mapping[str, list[str]], resource: str) -> list[str]:
    """The names of the advice shown on one resource's row (each time shown)."""
    names = []
    for message in found.get(resource, []):
        names += [n for n in ADVICE_NAMES if f'add "{n}" to' in message]
    return names


def test_a_preview_shows_each_caches_advice_once_on_its_row(face: Face) -> None:
    found = diagnostics(face.stack)
    for resource, advice in EXPECTED.items():
        assert advice_on(found, resource) == [advice], found.get(resource)


def test_the_advice_names_the_cost_the_field_and_the_silencing_setting(face: Face) -> None:
    found = diagnostics(face.stack)
    (kept,) = [m for m in found["kept"] if "no-retention" in m]
    assert f"no {face.field('retention_days')}: the cache's snapshot is billed" in kept
    assert f'add "no-retention" to {face.field("silence_advice")} on this cache' in kept
    assert f"{SETTINGS_NAMESPACE[face.name]}:silenceAdvice for every cache" in kept
    (public,) = [m for m in found["public"] if "public-registry" in m]
    assert "nginx:1.25 is pulled from a public registry" in public
    assert f"{face.field('eip_instance_id')} is not set" in public


def test_the_stacks_row_sums_the_snapshots_the_change_adds(face: Face) -> None:
    found = diagnostics(face.stack)
    summaries = [m for m in found.get("stack", []) if "image cache snapshots" in m]
    assert len(summaries) == 1, found.get("stack")
    assert SUMMARY in summaries[0]


def test_silencing_removes_exactly_the_advice_it_names(face: Face) -> None:
    assert face.silence_on_provider() == ["size", "public-registry"]
    caches = json.loads(json.dumps(CACHES))
    caches["flashy"]["silence_advice"] = ["flash"]
    face.set_caches(caches)
    found = diagnostics(face.stack)
    assert advice_on(found, "kept") == ["no-retention"]
    assert advice_on(found, "flashy") == []  # its own silence_advice
    assert advice_on(found, "public") == []  # the provider's


def test_a_second_preview_with_no_change_advises_nothing(face: Face) -> None:
    face.stack.up()
    state = json.dumps(face.stack.export())
    assert "to silence" not in state and "snapshots in this change" not in state
    assert "__preview" not in state  # what the dynamic face's previews carry
    found = diagnostics(face.stack)
    assert [advice_on(found, r) for r in EXPECTED] == [[], [], []]
    assert not [m for m in found.get("stack", []) if "image cache snapshots" in m]


def test_a_changed_input_brings_back_only_its_own_advice(face: Face) -> None:
    face.stack.up()
    caches = json.loads(json.dumps(CACHES))
    caches["flashy"]["image_cache_size"] = 40  # in place: size advice, not flash again
    face.set_caches(caches)
    found = diagnostics(face.stack)
    assert advice_on(found, "flashy") == ["size"]
    assert advice_on(found, "kept") == []
    summaries = [m for m in found.get("stack", []) if "image cache snapshots" in m]
    assert summaries and "snapshots in this change: +20 GiB;" in summaries[0]


def test_refresh_advises_deleting_a_cache_nobody_used_for_30_days(
    face: Face, served_emulator: ServedEmulator
) -> None:
    face.stack.up()
    served_emulator.post("/_emulator/clock", {"advance": 31 * 86400})
    found = diagnostics(face.stack, "--refresh")
    assert advice_on(found, "kept") == ["unused"]
    (message,) = [m for m in found["kept"] if '"unused"' in m]
    assert "no instance has used the cache for 31 days (since it was created)" in message
    assert advice_on(found, "flashy") == [] and advice_on(found, "public") == []
