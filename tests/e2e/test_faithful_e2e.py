"""Faithful to the service, safe beside other stacks, clear when things fail (real CLI).

Images go to the service as written; a cache is only ever taken over when it is surely
this stack's own; expected failures read as one message with no traceback.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from .conftest import (
    IMAGE_CACHE_TYPE,
    PulumiCommandError,
    PulumiStack,
    ServedEmulator,
    configurable_stack,
    spec,
)

pytestmark = pytest.mark.e2e

SECOND_KEY_ID, SECOND_KEY_SECRET = "second-person-key-id", "second-person-key-secret"


def failure_text(info: pytest.ExceptionInfo[PulumiCommandError]) -> str:
    return info.value.stdout + info.value.stderr


def preview_diff(stack: PulumiStack, **fields: Any) -> str:
    """What ``pulumi preview --diff`` prints once the spec is changed to ``fields``."""
    stack.config_set("spec", spec(**fields))
    preview = stack.preview("--diff")
    return preview.stdout + preview.stderr


def test_images_reach_the_service_the_state_and_the_preview_as_written(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack, images=["centos:latest", "nginx:1.25"])
    stack.up()
    assert served_emulator.caches()[0]["Images"] == ["centos:latest", "nginx:1.25"]
    assert stack.outputs()["images"] == ["centos:latest", "nginx:1.25"]
    text = preview_diff(stack, images=["centos:latest", "nginx:1.26"])
    assert "images: + nginx:1.26, - nginx:1.25" in text
    assert "docker.io/library" not in text


def test_whole_numbers_are_shown_as_written_in_the_preview(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack, retention_days=7)
    stack.up()
    text = preview_diff(stack, retention_days=14)
    assert "retention_days changes from 7 to 14" in text
    assert "7.0" not in text


def test_two_people_with_the_same_stack_never_touch_each_others_cache(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    served_emulator.post("config", {"access_keys": {SECOND_KEY_ID: {"secret": SECOND_KEY_SECRET}}})
    first: PulumiStack = pulumi_stack("examples/quickstart", stack="dev")
    second: PulumiStack = pulumi_stack(
        "examples/quickstart",
        stack="dev",
        env={
            "ALIBABA_CLOUD_ACCESS_KEY_ID": SECOND_KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECOND_KEY_SECRET,
        },
    )
    first.up()
    second.up()
    mine, theirs = first.outputs()["image_cache_id"], second.outputs()["image_cache_id"]
    assert mine != theirs
    assert "adopting" not in second.history[-1].stdout
    first.destroy()
    assert [c["ImageCacheId"] for c in served_emulator.caches()] == [theirs]
    second.refresh()
    assert second.outputs()["image_cache_id"] == theirs
    second.up()  # a later run of the second person still finds only their own
    assert [c["ImageCacheId"] for c in served_emulator.caches()] == [theirs]
    second.destroy()
    assert served_emulator.caches() == []


def test_an_own_cache_older_than_the_timeout_is_refused_by_name(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack, timeout="2s")
    stack.up()
    [orphan] = served_emulator.caches()
    [cache] = stack.resources(IMAGE_CACHE_TYPE)
    stack.run("state", "delete", "--force", "--yes", cache["urn"])  # the state forgets it
    served_emulator.post("clock", {"advance": 10})  # the service's time: older than 2 s now
    with pytest.raises(PulumiCommandError) as info:
        stack.up()
    text = failure_text(info)
    assert f'{orphan["ImageCacheId"]} ("e2e"' in text
    assert "older than this resource's timeout (2s)" in text
    assert f'adopt_image_cache_id="{orphan["ImageCacheId"]}"' in text
    assert "Traceback" not in text
    assert [c["ImageCacheId"] for c in served_emulator.caches()] == [orphan["ImageCacheId"]]


def test_adopt_image_cache_id_takes_over_a_cache_made_elsewhere(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    with served_emulator.client() as client:
        made = client.create_image_cache({"ImageCacheName": "e2e", "Images": ["nginx:1.25"]})
    stack = configurable_stack(pulumi_stack, adopt_image_cache_id=made.image_cache_id)
    stack.up()
    assert stack.outputs()["image_cache_id"] == made.image_cache_id
    assert [c["ImageCacheId"] for c in served_emulator.caches()] == [made.image_cache_id]


def test_a_failed_build_reads_as_one_message_without_a_traceback(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    served_emulator.post("unpullable", {"images": {"nginx:0.0-missing": "manifest unknown"}})
    stack = configurable_stack(pulumi_stack, images=["nginx:0.0-missing"])
    with pytest.raises(PulumiCommandError) as info:
        stack.up()
    text = failure_text(info)
    assert "ended Failed" in text and "manifest unknown" in text
    assert "Traceback" not in text and 'File "' not in text


def test_an_unreachable_endpoint_fails_with_one_message_naming_it(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = configurable_stack(pulumi_stack)
    stack.up()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    stack.config_set("eci-cache:endpoint", dead)
    stack.config_set("eci-cache:unreachableTimeoutSeconds", "3")
    stack.config_set("spec", spec(retention_days=3))
    with pytest.raises(PulumiCommandError) as info:
        stack.up()
    text = failure_text(info)
    assert f"cannot reach the ECI endpoint {dead} (set by stack config eci-cache:endpoint)" in text
    assert "polling again, giving up in" in text  # lines while it waited
    assert "Traceback" not in text and "httpcore" not in text
