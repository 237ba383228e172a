"""The plugin face under the real pulumi CLI: Pulumi YAML programs against the emulator.

The same lifecycle as the Python programs' dynamic provider, reached the way every
other language reaches it: the engine finds ``pulumi-resource-ecicache`` on PATH and
a YAML program names ``ecicache:ImageCache``. Each test is one behaviour of
``pulumi up`` / ``preview`` / ``refresh`` / ``import`` / ``destroy``; the programs are
examples/yaml-quickstart and yaml-regions (and, for ``pulumi import``, an empty one),
and a test edits its copy between runs, as a user edits Pulumi.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from .conftest import (
    PLUGIN_IMAGE_CACHE_TYPE,
    POLLING,
    PulumiCommandError,
    PulumiStack,
    ServedEmulator,
    plugin_stack,
)

pytestmark = pytest.mark.e2e

TYPE = PLUGIN_IMAGE_CACHE_TYPE
Factory = Callable[..., PulumiStack]
LITERAL_PASSWORD = "literal-pa55word-in-yaml"
CONFIG_PASSWORD = "config-pa55word-secret"
# The engine's marker of a secret value in an exported state.
SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")


def text_of(result: Any) -> str:
    """What a command printed (a CompletedProcess or a PulumiCommandError)."""
    return str(result.stdout) + str(result.stderr)


def set_properties(stack: PulumiStack, resource: str = "web", **properties: Any) -> None:
    """Edit the YAML program: set ``properties`` of ``resource``."""
    program = stack.program()
    program["resources"][resource]["properties"].update(properties)
    stack.write_program(program)


def web(stack: PulumiStack) -> dict[str, Any]:
    """The state of the program's one ImageCache."""
    found = stack.resources(TYPE)
    assert len(found) == 1, f"expected one {TYPE} in the state, got {found}"
    return found[0]


def test_the_yaml_quickstart_builds_a_ready_cache(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    stack = plugin_stack(pulumi_stack)
    stack.up()
    outputs = stack.outputs()
    [cache] = served_emulator.caches()
    assert outputs == {
        "imageCacheId": cache["ImageCacheId"],
        "status": "Ready",
        "snapshotId": cache["SnapshotId"],
    }
    assert (cache["Status"], cache["ImageCacheName"]) == ("Ready", "web")
    assert cache["Images"] == ["nginx:1.25", "redis:7.2"]
    assert web(stack)["id"] == cache["ImageCacheId"]


def test_an_in_place_change_previews_as_an_update_with_its_reasons(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    stack = plugin_stack(pulumi_stack)
    stack.up()
    set_properties(stack, retentionDays=14, tags={"team": "api"})
    text = text_of(stack.preview("--diff"))
    assert f"~ {TYPE}: (update)" in text, text
    assert "replace" not in text, text
    assert "retentionDays changes from 7 to 14" in text, text
    assert 'tags: team: "web" -> "api"' in text, text


def test_a_zone_change_previews_as_a_replace_with_its_reason(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    stack = plugin_stack(pulumi_stack)
    set_properties(stack, zoneId="cn-hangzhou-h")
    stack.up()
    set_properties(stack, zoneId="cn-hangzhou-i")
    text = text_of(stack.preview("--diff"))
    assert f"+-{TYPE}: (replace)" in text, text
    assert (
        'zoneId changes from "cn-hangzhou-h" to "cn-hangzhou-i": the ECI API cannot move a '
        "cache to another zone, so it is replaced"
    ) in text, text


def test_refresh_brings_a_change_made_elsewhere_into_the_state(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    stack = plugin_stack(pulumi_stack)
    stack.up()
    cache_id = stack.outputs()["imageCacheId"]
    with served_emulator.client() as client:  # someone resizes it in the console
        client.update_image_cache(cache_id, {"ImageCacheSize": 40})
    served_emulator.post("builds/finish")
    stack.refresh()
    state = web(stack)
    assert (state["inputs"]["imageCacheSize"], state["outputs"]["imageCacheSize"]) == (40, 40)


def test_bad_input_fails_the_preview_naming_field_value_and_rule_with_no_api_call(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    stack = plugin_stack(pulumi_stack)
    set_properties(stack, imageCacheSize=10, imageCacheName="Web")
    with pytest.raises(PulumiCommandError) as info:
        stack.preview()
    text = text_of(info.value)
    assert "imageCacheSize = 10: must be a whole number from 20 to 32768 (GiB)" in text, text
    assert 'imageCacheName = "Web": must be 2 to 128 characters of lowercase letters' in text
    assert "Traceback" not in text, text
    assert served_emulator.get("calls")["calls"] == {}


def test_destroy_removes_the_cache(pulumi_stack: Factory, served_emulator: ServedEmulator) -> None:
    stack = plugin_stack(pulumi_stack)
    stack.up()
    assert len(served_emulator.caches()) == 1
    stack.destroy()
    assert served_emulator.caches() == []
    assert stack.resources(TYPE) == []


def regions_stack(pulumi_stack: Factory, emulator: ServedEmulator) -> PulumiStack:
    """examples/yaml-regions on the emulator. Explicit providers read no stack config:
    the endpoint comes from the environment, as the example's header says, and each
    polls fast by its own properties (typed: numbers)."""
    stack = plugin_stack(
        pulumi_stack, "examples/yaml-regions", env={"ECI_CACHE_ENDPOINT": emulator.url}
    )
    program = stack.program()
    for name in ("hangzhou", "shanghai"):
        program["resources"][name]["properties"].update({k: float(v) for k, v in POLLING.items()})
    stack.write_program(program)
    return stack


def cache_regions(stack: PulumiStack, emulator: ServedEmulator) -> dict[str, str]:
    """Resource name -> the RegionId the emulator holds its cache in."""
    regions = {c["ImageCacheId"]: c["RegionId"] for c in emulator.caches()}
    return {r["urn"].rsplit("::", 1)[-1]: regions[r["id"]] for r in stack.resources(TYPE)}


def test_the_regions_example_puts_each_cache_in_its_region(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    stack = regions_stack(pulumi_stack, served_emulator)
    stack.up()
    assert cache_regions(stack, served_emulator) == {
        "web-hangzhou": "cn-hangzhou",
        "web-shanghai": "cn-shanghai",
        "web-beijing": "cn-beijing",
    }
    assert stack.outputs() == {
        "hangzhou": "cn-hangzhou",
        "shanghai": "cn-shanghai",
        "beijing": "cn-beijing",
    }


def test_a_provider_moved_to_another_region_moves_its_cache(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    stack = regions_stack(pulumi_stack, served_emulator)
    stack.up()
    program = stack.program()
    program["resources"]["shanghai"]["properties"]["region"] = "cn-shenzhen"
    stack.write_program(program)
    stack.up()
    assert cache_regions(stack, served_emulator)["web-shanghai"] == "cn-shenzhen"
    assert sorted(c["RegionId"] for c in served_emulator.caches()) == [
        "cn-beijing",
        "cn-hangzhou",
        "cn-shenzhen",
    ], "the cache in cn-shanghai should be gone"


def test_an_imported_cache_shows_no_changes_once_the_program_has_it(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    cache_id = served_emulator.cache_made_elsewhere()
    stack = plugin_stack(pulumi_stack, "tests/e2e/programs/yaml-empty")
    generated = stack.project_dir.parent / "imported.yaml"
    stack.run("import", TYPE, "web", cache_id, "--yes", "--protect=false", "--out", str(generated))
    assert web(stack)["id"] == cache_id
    code = yaml.safe_load(generated.read_text())["resources"]
    assert code["web"]["properties"]["images"] == ["nginx:1.25", "redis:7.2"], code
    program = stack.program()
    program["resources"] = code
    stack.write_program(program)
    stack.preview("--expect-no-changes")
    assert [c["ImageCacheId"] for c in served_emulator.caches()] == [cache_id]


def test_a_cache_built_elsewhere_with_build_settings_imports_with_no_change(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    # Made with the vendor's SDK: a security group, a vSwitch and a week's retention,
    # none of which DescribeImageCaches returns.
    cache_id = served_emulator.vendor_create(
        ImageCacheName="web",
        Images=["nginx:1.25"],
        SecurityGroupId="sg-1",
        VSwitchId="vsw-1",
        RetentionDays=7,
    )
    served_emulator.post("builds/finish")
    stack = plugin_stack(pulumi_stack, "tests/e2e/programs/yaml-empty")
    stack.run("import", TYPE, "web", cache_id, "--yes", "--protect=false")
    program = stack.program()
    as_built = {
        "imageCacheName": "web",
        "images": ["nginx:1.25"],
        "securityGroupId": "sg-1",
        "vswitchId": "vsw-1",
        "retentionDays": 7,
    }
    program["resources"] = {"web": {"type": TYPE, "properties": as_built}}
    stack.write_program(program)
    stack.preview("--expect-no-changes")
    stack.up("--expect-no-changes")
    # The settings are now the program's: a new vSwitch shows, as an update in place.
    set_properties(stack, vswitchId="vsw-2")
    text = text_of(stack.preview("--diff"))
    assert f"~ {TYPE}: (update)" in text, text
    assert "vsw-1" in text and "vsw-2" in text, text
    set_properties(stack, vswitchId="vsw-1")
    stack.refresh("--expect-no-changes")
    stack.preview("--expect-no-changes")
    assert [c["ImageCacheId"] for c in served_emulator.caches()] == [cache_id]


def test_importing_an_unknown_id_fails_naming_the_id_and_the_region(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    stack = plugin_stack(pulumi_stack, "tests/e2e/programs/yaml-empty")
    with pytest.raises(PulumiCommandError) as info:
        stack.run("import", TYPE, "web", "imc-0nosuchcache", "--yes", "--protect=false")
    text = text_of(info.value)
    assert "no image cache imc-0nosuchcache in region cn-hangzhou" in text, text
    assert "Traceback" not in text, text
    assert stack.resources(TYPE) == []


def test_the_exported_state_holds_no_provider_pickle_and_no_plaintext_secret(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    stack = plugin_stack(
        pulumi_stack,
        config={
            "registryPassword": (CONFIG_PASSWORD, True),
            "ecicache:accessKey": served_emulator.access_key_id,
            "ecicache:secretKey": (served_emulator.access_key_secret, True),
        },
    )
    program = stack.program()
    program["config"] = {"registryPassword": {"type": "string", "secret": True}}
    program["resources"]["web"]["properties"]["imageRegistryCredentials"] = [
        {"server": "registry.example.com", "userName": "ci", "password": LITERAL_PASSWORD},
        {"server": "other.example.com", "userName": "ci", "password": "${registryPassword}"},
    ]
    stack.write_program(program)
    stack.up()
    exported = stack.run("stack", "export", "--show-secrets=false").stdout
    for secret in (LITERAL_PASSWORD, CONFIG_PASSWORD, served_emulator.access_key_secret):
        assert secret not in exported, f"{secret!r} is in the exported state in plaintext"
    assert "__provider" not in exported
    [state] = [r for r in json.loads(exported)["deployment"]["resources"] if r.get("type") == TYPE]
    for side in ("inputs", "outputs"):
        credentials = state[side]["imageRegistryCredentials"]
        assert credentials.get(SECRET_SIG[0]) == SECRET_SIG[1], f"{side}: {credentials}"


def test_an_input_known_only_after_another_cache_is_built_previews_and_goes_up(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    """At preview the engine sends the plugin an unknown (the other cache's id): it is
    let through, shown as "not known until ...", and the up sends the real value."""
    stack = plugin_stack(pulumi_stack)
    program = stack.program()
    program["resources"]["second"] = {
        "type": "ecicache:ImageCache",
        "properties": {
            "imageCacheName": "second",
            "images": ["redis:7.2"],
            "tags": {"source": "${web.imageCacheId}"},
            "imageCacheSize": "${web.imageCacheSize}",  # a number, unknown at preview
        },
    }
    stack.write_program(program)
    preview = text_of(stack.preview("--diff"))
    assert "Traceback" not in preview and "must be" not in preview, preview
    stack.up()
    first = next(c for c in served_emulator.caches() if c["ImageCacheName"] != "second")
    second = next(c for c in served_emulator.caches() if c["ImageCacheName"] == "second")
    source = {t["Key"]: t["Value"] for t in second["Tags"]}["source"]
    assert source == first["ImageCacheId"]
    assert second["ImageCacheSize"] == first["ImageCacheSize"] == 20


def test_a_preview_builds_nothing_and_changes_nothing(
    pulumi_stack: Factory, served_emulator: ServedEmulator
) -> None:
    """The engine asks the plugin to Create and Update at preview too (it answers the
    Handshake): a preview of a new cache, and of an in-place change, makes none."""
    stack = plugin_stack(pulumi_stack)
    preview = text_of(stack.preview("--diff"))
    assert "+ 2 to create" in preview or "+ 1 to create" in preview, preview
    calls = served_emulator.get("calls")["calls"]
    assert calls.get("CreateImageCache", 0) == 0 and served_emulator.caches() == []
    stack.up()
    set_properties(stack, images=["nginx:1.26"])
    stack.preview("--diff")
    calls = served_emulator.get("calls")["calls"]
    assert calls.get("UpdateImageCache", 0) == 0
    [cache] = served_emulator.caches()
    assert cache["Images"] == ["nginx:1.25", "redis:7.2"]
