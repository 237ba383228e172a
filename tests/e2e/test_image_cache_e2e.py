"""ImageCache under the real pulumi CLI, against the served emulator.

Each test is one behaviour a platform team relies on in `pulumi preview` / `up` /
`refresh` / `destroy`. The program is tests/e2e/programs/configurable, whose inputs
come from stack config, so a test changes config between runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    CONFIGURABLE,
    FAST_POLLING,
    IMAGE_CACHE_TYPE,
    PulumiCommandError,
    PulumiStack,
    ServedEmulator,
    configurable_stack,
    spec,
)

pytestmark = pytest.mark.e2e

TYPE = IMAGE_CACHE_TYPE
PASSWORD = "registry-pa55word-e2e"
LITERAL_PASSWORD = "literal-pa55word-in-program"  # written in programs/configurable


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"build_seconds": 1}


def ids(emulator: ServedEmulator) -> list[str]:
    return [c["ImageCacheId"] for c in emulator.caches()]


def test_preview_shows_the_create_and_up_builds_it_ready(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack)
    steps = stack.preview_json()["steps"]
    assert any(s["op"] == "create" and s["urn"].endswith(f"{TYPE}::cache") for s in steps)
    assert served_emulator.caches() == []
    stack.up()
    outputs = stack.outputs()
    assert (outputs["status"], outputs["progress"]) == ("Ready", "100%")
    assert ids(served_emulator) == [outputs["image_cache_id"]]


def test_a_second_up_changes_nothing(pulumi_stack: Any, served_emulator: ServedEmulator) -> None:
    stack = configurable_stack(pulumi_stack)
    stack.up()
    calls_before = served_emulator.get("calls")["calls"]
    preview = stack.preview_json()
    assert {s["op"] for s in preview["steps"]} == {"same"}
    result = stack.up()
    assert "unchanged" in result.stdout
    calls_after = served_emulator.get("calls")["calls"]
    for action in ("CreateImageCache", "UpdateImageCache", "DeleteImageCache"):
        assert calls_after.get(action, 0) == calls_before.get(action, 0)


def test_the_same_images_written_differently_cause_no_diff(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack, images=["nginx:1.25", "redis:7.2"])
    stack.up()
    stack.config_set(
        "spec", spec(images=["docker.io/library/redis:7.2", "docker.io/library/nginx:1.25"])
    )
    assert {s["op"] for s in stack.preview_json()["steps"]} == {"same"}


def test_changed_images_are_updated_in_place_keeping_the_id(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack)
    stack.up()
    first = stack.outputs()["image_cache_id"]
    stack.config_set("spec", spec(images=["nginx:1.25", "redis:7.2"]))
    steps = stack.preview_json()["steps"]
    assert [s["op"] for s in steps if s["urn"].endswith("::cache")] == ["update"]
    stack.up()
    outputs = stack.outputs()
    assert outputs["image_cache_id"] == first
    assert ids(served_emulator) == [first]
    assert sorted(served_emulator.caches()[0]["Images"]) == ["nginx:1.25", "redis:7.2"]


def test_a_changed_zone_replaces_the_cache_and_the_old_one_is_gone(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack, zone_id="cn-hangzhou-h")
    stack.up()
    old = stack.outputs()["image_cache_id"]
    stack.config_set("spec", spec(zone_id="cn-hangzhou-i"))
    preview = stack.preview("--diff")
    assert "zone_id" in preview.stdout and "replace" in preview.stdout
    assert "cannot move a cache to another zone" in preview.stdout + preview.stderr
    stack.up()
    new = stack.outputs()["image_cache_id"]
    assert new != old
    assert ids(served_emulator) == [new]


def test_bad_input_fails_preview_naming_field_and_value_with_no_api_call(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack, image_cache_size=10, images=["nginx"])
    with pytest.raises(PulumiCommandError) as info:
        stack.preview()
    text = info.value.stdout + info.value.stderr
    assert "image_cache_size" in text and "10" in text and "32768" in text
    assert "images" in text and '"nginx"' in text
    assert served_emulator.get("calls")["calls"] == {}


def test_a_failed_build_fails_with_the_services_reason_and_leaves_nothing(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    served_emulator.post("unpullable", {"images": ["nginx:0.0-missing"]})
    stack = configurable_stack(pulumi_stack, images=["nginx:0.0-missing"])
    with pytest.raises(PulumiCommandError) as info:
        stack.up()
    text = info.value.stdout + info.value.stderr
    assert "nginx:0.0-missing" in text and "Failed" in text
    assert served_emulator.caches() == []


def test_refresh_drops_a_cache_deleted_behind_pulumis_back_and_up_recreates_it(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack)
    stack.up()
    old = stack.outputs()["image_cache_id"]
    served_emulator.reset()  # deleted outside Pulumi (expired, evicted, clicked away)
    stack.refresh()
    assert stack.resources(TYPE) == []
    stack.up()
    new = stack.outputs()["image_cache_id"]
    assert new != old and ids(served_emulator) == [new]


def test_refresh_shows_drift_made_outside_pulumi_and_up_restores_the_spec(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack, image_cache_size=20)
    stack.up()
    cache_id = stack.outputs()["image_cache_id"]
    with served_emulator.client() as client:  # someone resizes it in the console
        client.update_image_cache(cache_id, {"ImageCacheSize": 40})
    stack.refresh()
    [res] = stack.resources(TYPE)
    assert res["inputs"]["image_cache_size"] == 40
    steps = stack.preview_json()["steps"]
    assert [s["op"] for s in steps if s["urn"].endswith("::cache")] == ["update"]
    stack.up()
    assert served_emulator.caches()[0]["ImageCacheSize"] == 20


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_provider_killed_mid_create_is_adopted_by_the_next_up(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    served_emulator.post("config", {"build_seconds": 120})
    stack = configurable_stack(pulumi_stack)
    up = subprocess.Popen(
        [str(stack.cli.pulumi), "up", "--yes", "--skip-preview", "--non-interactive"],
        cwd=stack.project_dir,
        env=stack.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not served_emulator.caches():
            assert time.monotonic() < deadline, "the create never reached the emulator"
            time.sleep(0.2)
        providers = [p for p in _descendants(up.pid) if "pulumi.dynamic" in _cmdline(p)]
        assert providers, "no dynamic provider process found"
        for pid in providers:
            os.kill(pid, signal.SIGKILL)
        up.communicate(timeout=120)
    finally:
        if up.poll() is None:
            up.kill()
    assert up.returncode != 0
    [orphan] = ids(served_emulator)
    served_emulator.post("config", {"build_seconds": 1})
    served_emulator.post("clock", {"advance": 300})  # the interrupted build finishes
    stack.up()
    assert stack.outputs()["image_cache_id"] == orphan
    assert ids(served_emulator) == [orphan]


def test_a_create_that_timed_out_is_adopted_by_the_next_up(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    served_emulator.post("config", {"build_seconds": 8})
    stack = configurable_stack(pulumi_stack, timeout="2s")
    with pytest.raises(PulumiCommandError) as info:
        stack.up()
    assert "timeout" in (info.value.stdout + info.value.stderr)
    [orphan] = ids(served_emulator)
    stack.config_set("spec", spec(timeout="5m"))
    stack.up()
    assert stack.outputs()["image_cache_id"] == orphan
    assert ids(served_emulator) == [orphan]


def test_no_password_or_secret_key_in_state_or_output(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack: PulumiStack = pulumi_stack(
        CONFIGURABLE,
        config={**FAST_POLLING, "spec": spec(), "registryPassword": (PASSWORD, True)},
    )
    stack.up()
    stack.config_set("spec", spec(images=["nginx:1.25", "redis:7.2"]))
    stack.up()
    stack.refresh()
    exported = stack.run("stack", "export").stdout
    state_files = "".join(p.read_text() for p in stack.state_dir.rglob("*.json"))
    printed = "".join(r.stdout + r.stderr for r in stack.history)
    for text in (exported, state_files, printed, served_emulator.log()):
        assert PASSWORD not in text
        assert LITERAL_PASSWORD not in text
        assert served_emulator.access_key_secret not in text
    [res] = stack.resources(TYPE)
    assert "image_registry_credentials" in res["outputs"]
    assert res["outputs"]["image_registry_credentials"].get("4dabf18193072939515e22adb298388d") == (
        "1b47061264138c4ac30d75fd1eb44270"
    )  # the engine's secret marker: stored encrypted


def test_destroy_leaves_the_emulator_empty(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack)
    stack.up()
    assert len(served_emulator.caches()) == 1
    stack.destroy()
    assert served_emulator.caches() == []
    assert stack.resources(TYPE) == []


@pytest.mark.parametrize("example", ["quickstart", "private-registry", "multi-zone"])
def test_each_example_goes_up_and_down(
    pulumi_stack: Any, served_emulator: ServedEmulator, example: str
) -> None:
    config: dict[str, Any] = dict(FAST_POLLING)
    if example == "private-registry":
        config["registryPassword"] = (PASSWORD, True)
    stack: PulumiStack = pulumi_stack(f"examples/{example}", config=config)
    stack.up()
    caches = served_emulator.caches()
    assert caches and all(c["Status"] == "Ready" for c in caches)
    second = stack.up()
    assert "unchanged" in second.stdout
    stack.destroy()
    assert served_emulator.caches() == []


def test_image_cache_get_looks_up_a_cache_pulumi_did_not_create(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    with served_emulator.client() as client:
        cache_id = client.create_image_cache(
            {"ImageCacheName": "by-hand", "Images": ["docker.io/library/nginx:1.25"]}
        ).image_cache_id
    stack: PulumiStack = pulumi_stack("tests/e2e/programs/lookup", config={"cacheId": cache_id})
    stack.up()
    outputs = stack.outputs()
    assert outputs["image_cache_name"] == "by-hand"
    assert outputs["images"] == ["docker.io/library/nginx:1.25"]
    stack.destroy()
    assert ids(served_emulator) == [cache_id]  # a looked-up cache is not Pulumi's to delete
