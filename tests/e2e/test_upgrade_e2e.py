"""A stack made by the previous release keeps working when the checkout is installed.

The state stores the provider pickled by reference
(``pulumi_eci_cache.provider.ImageCacheProvider``), so after ``pip install -U`` the NEW
code checks, diffs, reads, updates and deletes what the OLD code wrote. Each test lets
the previous release (tests/e2e/previous-release, its own virtualenv and its own copy
of programs/configurable, as a user's program stays when they upgrade) ``pulumi up``
a cache, switches the same stack (project dir, backend, PULUMI_HOME) to the
checkout's virtualenv, and runs one command on the state the old code left.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.previous_release import PreviousRelease

from .conftest import CONFIGURABLE, FAST_POLLING, VENV, PulumiStack, ServedEmulator, spec

pytestmark = pytest.mark.e2e

TYPE = "pulumi-python:dynamic/eci:ImageCache"
# A few inputs set, so a field the new code reads differently shows as a change.
INPUTS: dict[str, Any] = {
    "images": ["nginx:1.25", "redis:7.2"],
    "image_cache_size": 20,
    "retention_days": 7,
    "tags": {"team": "web", "env": "e2e"},
}
WRITES = ("CreateImageCache", "UpdateImageCache", "DeleteImageCache")


def calls(emulator: ServedEmulator) -> dict[str, int]:
    """The emulator's count of each action so far."""
    result: dict[str, int] = emulator.get("calls")["calls"]
    return result


def upgraded_stack(
    previous_release_pulumi_stack: Callable[..., PulumiStack],
    previous_release: PreviousRelease,
    emulator: ServedEmulator,
) -> tuple[PulumiStack, dict[str, Any]]:
    """The previous release's stack with one Ready cache, now run by the checkout."""
    program = previous_release.source / CONFIGURABLE
    stack = previous_release_pulumi_stack(program, config={**FAST_POLLING, "spec": spec(**INPUTS)})
    stack.up()
    caches = emulator.caches()
    assert [c["Status"] for c in caches] == ["Ready"], (
        f"the previous release's `pulumi up` should leave one Ready cache, found {caches}"
    )
    stack.use_venv(VENV)
    return stack, caches[0]


def test_the_previous_release_runs_from_its_own_install_not_the_checkout(
    previous_release: PreviousRelease,
) -> None:
    proc = previous_release.venv.python_code(
        "import pulumi_eci_cache.provider as p; print(p.__file__)"
    )
    assert proc.returncode == 0, f"the previous release does not import: {proc.stderr}"
    installed = Path(proc.stdout.strip())
    assert installed.is_relative_to(previous_release.venv.path), (
        f"the previous release's virtualenv imports the provider from {installed}, "
        "not from its own site-packages"
    )
    released = previous_release.source / "pulumi_eci_cache" / "provider.py"
    assert installed.read_bytes() == released.read_bytes(), (
        f"the installed provider.py is not the one of commit {previous_release.commit}"
    )


def test_after_the_upgrade_preview_plans_no_change(
    previous_release_pulumi_stack: Callable[..., PulumiStack],
    previous_release: PreviousRelease,
    served_emulator: ServedEmulator,
) -> None:
    stack, _ = upgraded_stack(previous_release_pulumi_stack, previous_release, served_emulator)
    steps = stack.preview_json()["steps"]
    changed = [(s["op"], s["urn"], s.get("detailedDiff")) for s in steps if s["op"] != "same"]
    assert changed == [], f"the checkout plans changes to the previous release's stack: {changed}"


def test_after_the_upgrade_refresh_changes_nothing(
    previous_release_pulumi_stack: Callable[..., PulumiStack],
    previous_release: PreviousRelease,
    served_emulator: ServedEmulator,
) -> None:
    stack, cache = upgraded_stack(previous_release_pulumi_stack, previous_release, served_emulator)
    [before] = stack.resources(TYPE)
    writes = {a: calls(served_emulator).get(a, 0) for a in WRITES}

    stack.refresh("--expect-no-changes")  # fails, saying what changed, if anything did

    [after] = stack.resources(TYPE)
    assert (after["id"], after["inputs"], after["outputs"]) == (
        before["id"],
        before["inputs"],
        before["outputs"],
    ), "refresh by the checkout rewrote what the previous release stored"
    assert {a: calls(served_emulator).get(a, 0) for a in WRITES} == writes, (
        "refresh must only read the cache, never create, update or delete one"
    )
    assert served_emulator.caches() == [cache], "refresh changed the cache in the service"


def test_after_the_upgrade_a_changed_retention_is_updated_in_place(
    previous_release_pulumi_stack: Callable[..., PulumiStack],
    previous_release: PreviousRelease,
    served_emulator: ServedEmulator,
) -> None:
    stack, cache = upgraded_stack(previous_release_pulumi_stack, previous_release, served_emulator)
    before = calls(served_emulator)
    stack.config_set("spec", spec(**{**INPUTS, "retention_days": 14}))

    ops = [s["op"] for s in stack.preview_json()["steps"] if s["urn"].endswith(f"{TYPE}::cache")]
    assert ops == ["update"], f"a new retention_days must plan an update in place, not {ops}"
    stack.up()

    after = calls(served_emulator)
    assert after.get("UpdateImageCache", 0) > before.get("UpdateImageCache", 0), (
        "the new retention_days never reached the service (no UpdateImageCache)"
    )
    assert after.get("CreateImageCache", 0) == before.get("CreateImageCache", 0), (
        "the update created a second cache (CreateImageCache after the upgrade)"
    )
    assert after.get("DeleteImageCache", 0) == before.get("DeleteImageCache", 0), (
        "the update deleted a cache (DeleteImageCache after the upgrade)"
    )
    [updated] = served_emulator.caches()
    assert updated["ImageCacheId"] == cache["ImageCacheId"], "the cache was replaced"
    assert stack.outputs()["image_cache_id"] == cache["ImageCacheId"], "the state lost the id"
    moved = expiry(updated) - expiry(cache)
    assert moved == timedelta(days=7), f"7 more retention days moved the expiry by {moved}"
    assert updated["Tags"] == cache["Tags"], "the update lost the tags the old release set"


def test_after_the_upgrade_destroy_deletes_the_cache(
    previous_release_pulumi_stack: Callable[..., PulumiStack],
    previous_release: PreviousRelease,
    served_emulator: ServedEmulator,
) -> None:
    stack, _ = upgraded_stack(previous_release_pulumi_stack, previous_release, served_emulator)
    stack.destroy()
    assert served_emulator.caches() == [], "destroy by the checkout left the cache in the service"
    assert stack.resources(TYPE) == [], "destroy by the checkout left the cache in the state"


def expiry(cache: dict[str, Any]) -> datetime:
    """When the service will drop the cache (its retention counts from creation)."""
    return datetime.fromisoformat(cache["ExpireDateTime"].replace("Z", "+00:00"))
