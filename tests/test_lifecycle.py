"""ImageCache's lifecycle, in-process: what create, read, update, delete and diff do.

Both engine faces are thin adapters over ``ImageCacheLifecycle``, so its behaviour is
tested here once, against the emulator's backend answering the provider's HTTP
in-process (tests/support/in_process.py): adoption after a crash and take-over,
refusals, replacements, lost answers, failed builds and updates, refresh, regions,
annotations, diffs, roles, and caches kept when a wait ends early. A new provider
(``emulator.provider()``) is a new provider process: it shares nothing with the last
but the service. Where the user reads a name, the test runs in both spellings
(``naming``: snake_case for Python, camelCase for the plugin's languages). What
crosses the wire (marshalling, the engine's per-property diff, secrets, the
init-failed detail, Cancel, output lines) is tested through both real provider
processes in tests/test_provider_lifecycle.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_ACCOUNT_ID,
)
from pulumi_eci_cache.errors import AdoptionError, BuildFailedError, ResourceInitError
from pulumi_eci_cache.rules.identity import IDENTITY_TAG
from pulumi_eci_cache.rules.naming import CAMEL, SNAKE, Naming
from tests.support.background import Background
from tests.support.in_process import Emulator, Provider, inputs

DEPLOY_ACCOUNT = "2222000000000000"
DEPLOY_ROLE = f"acs:ram::{DEPLOY_ACCOUNT}:role/deploy"
FOR_GOOD = 1_000_000  # a fault's count that outlasts any test


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    world = Emulator()
    yield world
    world.close()


@pytest.fixture
def provider(emulator: Emulator) -> Provider:
    return emulator.provider()


@pytest.fixture(params=[SNAKE, CAMEL], ids=["snake_case", "camelCase"])
def naming(request: pytest.FixtureRequest) -> Naming:
    """How the user's language spells names: Python's snake_case, the plugin's camelCase."""
    naming: Naming = request.param
    return naming


def crashed_create(emulator: Emulator, env: dict[str, str] | None = None) -> str:
    """A create whose provider process dies mid-build (the engine gave up): the cache
    the service kept, which no state records. Its build then ends."""
    emulator.hold_builds()
    first = emulator.provider(env=env)
    running = Background(lambda: first.create())
    cache_id = first.lines.waiting("Creating")
    first.close()  # the engine gives up, and the provider process dies with it
    running.raised(ResourceInitError)  # nobody hears it
    emulator.finish_builds()
    return cache_id


def refuse_every_describe(emulator: Emulator) -> None:
    """From now on the service refuses every DescribeImageCaches (permission revoked).

    For good, not once: the poller hands a failed round's error to the waiters that look
    before the next round, and a waiter whose next look falls after a failed round (or
    whose thread wakes only after the next round, on a loaded machine) hears the next.
    """
    with emulator.backend.lock:
        emulator.backend.faults.force(
            "DescribeImageCaches", code="Forbidden.RAM", http_status=403, count=FOR_GOOD
        )


# ------------------------------------------------------------------ check and create


def test_check_reports_each_bad_input_by_the_users_name_and_calls_no_api(
    emulator: Emulator, naming: Naming
) -> None:
    provider = emulator.provider(naming)
    outcome = provider.lifecycle.check(
        inputs(image_cache_size=10, images=["nginx"]), provider.call()
    )
    assert {f.property for f in outcome.failures} == {
        naming.show("image_cache_size"),
        naming.show("images"),
    }
    assert any("10" in f.reason and "20" in f.reason for f in outcome.failures)
    assert sum(emulator.backend.call_counts.values()) == 0


def test_create_waits_until_ready_and_returns_the_live_outputs(
    provider: Provider, emulator: Emulator
) -> None:
    emulator.hold_builds()
    running = Background(lambda: provider.create())
    provider.lines.waiting("Creating")  # still building: the create has not returned
    emulator.finish_builds()
    cache_id, outs = running.returned()
    assert cache_id.startswith("imc-")
    assert (outs["status"], outs["progress"]) == ("Ready", "100%")
    assert outs["image_cache_id"] == cache_id and outs["snapshot_id"]
    assert outs["container_group_id"]
    assert emulator.ids() == [cache_id]


def test_every_cache_carries_the_tag_that_finds_it_again(
    provider: Provider, emulator: Emulator
) -> None:
    provider.create(tags={"team": "web"})
    tags = {t["Key"]: t["Value"] for t in emulator.live()[0]["Tags"]}
    assert tags["team"] == "web" and IDENTITY_TAG in tags


def test_a_lost_create_answer_is_retried_without_a_second_cache(
    provider: Provider, emulator: Emulator
) -> None:
    emulator.backend.faults.force("CreateImageCache", kind="drop", after_success=True)
    cache_id, _ = provider.create()
    assert emulator.backend.call_counts["CreateImageCache"] == 2
    assert emulator.ids() == [cache_id]


def test_the_same_inputs_after_a_destroy_build_a_new_cache(
    provider: Provider, emulator: Emulator
) -> None:
    first_id, outs = provider.create()
    provider.delete(first_id, outs)
    second_id, second_outs = provider.create()
    assert second_id != first_id and second_outs["status"] == "Ready"
    assert emulator.ids() == [second_id]


# ------------------------------------------------------------------ failed builds


def test_a_failed_build_raises_the_services_reason_and_leaves_nothing(
    provider: Provider, emulator: Emulator
) -> None:
    emulator.backend.set_unpullable_images(["docker.io/library/nginx:0.0-missing"])
    with pytest.raises(BuildFailedError) as info:
        provider.create(images=["nginx:0.0-missing"])
    assert "nginx:0.0-missing" in str(info.value) and "Failed" in str(info.value)
    assert emulator.live() == []


def test_a_failed_build_reads_as_one_sentence_naming_the_cache_and_the_reason(
    provider: Provider, emulator: Emulator
) -> None:
    emulator.backend.set_unpullable_images({"nginx:0.0-missing": "manifest unknown"})
    with pytest.raises(BuildFailedError) as info:
        provider.create(images=["nginx:0.0-missing"])
    message = str(info.value)
    assert message.startswith("web (imc-")
    assert "ended Failed" in message and "manifest unknown" in message
    assert "\n" not in message


# ------------------------------------------------------------------ update


def test_update_changes_the_cache_in_place_and_waits_for_ready(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, outs = provider.create()
    emulator.hold_builds()
    running = Background(
        lambda: provider.update(cache_id, outs, images=["nginx:1.25", "redis:7.2"])
    )
    provider.lines.waiting("Updating")  # sent, and still building: not returned yet
    emulator.finish_builds()
    new_outs = running.returned()
    assert new_outs["status"] == "Ready" and new_outs["image_cache_id"] == cache_id
    assert sorted(emulator.live()[0]["Images"]) == ["nginx:1.25", "redis:7.2"]


def test_a_timeout_only_change_makes_no_api_call(provider: Provider, emulator: Emulator) -> None:
    cache_id, outs = provider.create()
    provider.update(cache_id, outs, timeout="90m")
    assert emulator.backend.call_counts["UpdateImageCache"] == 0


def test_an_update_that_fails_reports_update_failed_with_the_reason(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, outs = provider.create()
    emulator.backend.set_unpullable_images(["docker.io/library/redis:0.0-missing"])
    with pytest.raises(BuildFailedError) as info:
        provider.update(cache_id, outs, images=["nginx:1.25", "redis:0.0-missing"])
    assert "UpdateFailed" in str(info.value) and "redis:0.0-missing" in str(info.value)


def test_an_update_waits_for_a_cache_still_building_before_sending_the_change(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, outs = provider.create()
    emulator.hold_builds()
    emulator.backend.update_image_cache("cn-hangzhou", cache_id, {"ImageCacheSize": 30})
    emulator.hold_builds(False)  # the update the provider sends builds at once
    running = Background(lambda: provider.update(cache_id, outs, image_cache_size=40))
    provider.lines.waiting("Updating")  # the provider saw it building, and waits ...
    assert emulator.backend.call_counts["UpdateImageCache"] == 0  # ... instead of a refusal
    emulator.finish_builds()
    assert running.returned()["status"] == "Ready"
    assert emulator.backend.call_counts["UpdateImageCache"] == 1
    assert emulator.live()[0]["ImageCacheSize"] == 40


def test_updating_back_and_forth_really_changes_the_cache_each_time(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, outs = provider.create()
    for images in (["redis:7.2"], ["nginx:1.25"], ["redis:7.2"]):
        outs = provider.update(cache_id, outs, images=images)
        assert emulator.live()[0]["Images"] == images


def test_a_failed_update_is_retried_by_the_next_up_once_the_cause_is_fixed(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, outs = provider.create()
    emulator.backend.set_unpullable_images(["docker.io/library/redis:7.2"])
    changed = {"images": ["nginx:1.25", "redis:7.2"]}
    with pytest.raises(BuildFailedError):
        provider.update(cache_id, outs, **changed)  # the engine keeps the old state
    found = provider.read(cache_id, outs)
    assert found is not None
    refreshed, _ = found
    assert refreshed["status"] == "UpdateFailed"
    emulator.backend.set_unpullable_images([])  # the registry is back
    plan = provider.diff(cache_id, refreshed, **changed)
    assert plan.has_changes and plan.replaces == ()
    assert provider.update(cache_id, refreshed, **changed)["status"] == "Ready"


# ------------------------------------------------------------------ refresh and delete


def test_refresh_reads_live_fields_back_as_inputs(provider: Provider, emulator: Emulator) -> None:
    cache_id, outs = provider.create()
    emulator.backend.update_image_cache(
        "cn-hangzhou", cache_id, {"ImageCacheSize": 40, "Images": ["docker.io/library/redis:7.2"]}
    )
    found = provider.read(cache_id, outs)
    assert found is not None
    outputs, read_inputs = found
    assert outputs["image_cache_id"] == cache_id
    assert read_inputs["image_cache_size"] == 40
    assert read_inputs["images"] == ["docker.io/library/redis:7.2"]


# Made outside Pulumi with build settings Describe never returns, kept for a week.
BUILT_ELSEWHERE = {
    "ImageCacheName": "web",
    "Images": ["nginx:1.25"],
    "SecurityGroupId": "sg-1",
    "VSwitchId": "vsw-1",
    "ZoneId": "cn-hangzhou-h",
    "RetentionDays": 7,
}
AS_BUILT = {
    "security_group_id": "sg-1",
    "vswitch_id": "vsw-1",
    "zone_id": "cn-hangzhou-h",
    "retention_days": 7,
}


def imported(provider: Provider, emulator: Emulator) -> tuple[str, dict[str, Any]]:
    """A cache made outside Pulumi, then read with no state (``pulumi import``)."""
    cache_id = emulator.backend.create_image_cache("cn-hangzhou", BUILT_ELSEWHERE).cache_id
    emulator.finish_builds()
    found = provider.read(cache_id, {})
    assert found is not None
    return cache_id, found[0]


def test_import_derives_the_retention_from_the_expiry(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id = emulator.backend.create_image_cache("cn-hangzhou", BUILT_ELSEWHERE).cache_id
    found = provider.read(cache_id, {})
    assert found is not None
    assert found[1]["retention_days"] == 7


def test_an_imported_cache_declared_as_it_was_built_shows_no_change(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, state = imported(provider, emulator)
    assert provider.diff(cache_id, state, **AS_BUILT).changes == ()


def test_an_imported_cache_still_shows_a_change_describe_can_see(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, state = imported(provider, emulator)
    plan = provider.diff(cache_id, state, **{**AS_BUILT, "retention_days": 14})
    assert [change.name for change in plan.changes] == ["retention_days"]


def test_a_refresh_after_the_program_gave_the_unseen_settings_keeps_them(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, state = imported(provider, emulator)
    # The engine recorded the program's inputs on the clean up; refresh reads both.
    program = provider.check(**AS_BUILT)
    found = provider.read(cache_id, {**program, **state})
    assert found is not None
    refreshed = found[0]
    assert refreshed["vswitch_id"] == "vsw-1"
    assert "vswitch_id" not in refreshed.get("__unseen", [])
    assert provider.diff(cache_id, refreshed, **{**AS_BUILT, "vswitch_id": "vsw-2"}).changes


def test_a_cache_made_by_pulumi_lists_nothing_unseen_on_refresh(provider: Provider) -> None:
    cache_id, outs = provider.create(vswitch_id="vsw-1")
    found = provider.read(cache_id, outs)
    assert found is not None
    assert "__unseen" not in found[0]
    assert provider.diff(cache_id, found[0], vswitch_id="vsw-2").changes


def test_refresh_drops_a_cache_deleted_outside_pulumi(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, outs = provider.create()
    emulator.backend.delete_image_cache("cn-hangzhou", cache_id)
    assert provider.read(cache_id, outs) is None


def test_delete_removes_the_cache_and_tolerates_it_being_gone(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, outs = provider.create()
    provider.delete(cache_id, outs)
    assert emulator.live() == []
    provider.delete(cache_id, outs)  # already gone: no error


# ------------------------------------------------------------------ diff


def test_a_changed_image_list_is_an_in_place_update(provider: Provider) -> None:
    cache_id, outs = provider.create()
    plan = provider.diff(cache_id, outs, images=["nginx:1.25", "redis:7.2"])
    assert [(c.name, c.kind) for c in plan.changes] == [("images", "update")]
    assert plan.replaces == () and plan.changes[0].reason == "images: + redis:7.2"


def test_a_changed_zone_forces_a_replacement_built_before_the_old_one_goes(
    emulator: Emulator, naming: Naming
) -> None:
    provider = emulator.provider(naming)
    cache_id, outs = provider.create(zone_id="cn-hangzhou-h")
    plan = provider.diff(cache_id, outs, zone_id="cn-hangzhou-i")
    assert plan.replaces == ("zone_id",) and not plan.delete_before_replace
    [change] = plan.changes
    assert change.reason.startswith(f'{naming.show("zone_id")} changes from "cn-hangzhou-h"')
    assert change.reason.endswith("so it is replaced")
    assert any(line.kind == "note" and line.text == change.reason for line in provider.lines)


def test_the_same_images_written_differently_are_no_change(provider: Provider) -> None:
    cache_id, outs = provider.create(images=["nginx:1.25", "redis:7.2"])
    plan = provider.diff(
        cache_id, outs, images=["docker.io/library/redis:7.2", "docker.io/library/nginx:1.25"]
    )
    assert not plan.has_changes


def test_a_cache_refreshed_as_failed_is_replaced(provider: Provider) -> None:
    cache_id, outs = provider.create()
    plan = provider.diff(cache_id, {**outs, "status": "Failed"})
    assert plan.replaces == ("status",)


# ------------------------------------------------------------------ regions and annotations


def test_a_cache_with_its_own_region_is_built_there(provider: Provider, emulator: Emulator) -> None:
    cache_id, outs = provider.create(region="cn-shanghai")
    assert set(emulator.backend.regions["cn-shanghai"]) == {cache_id}
    assert not emulator.backend.region("cn-hangzhou")
    assert outs["region_id"] == "cn-shanghai"


def test_a_cache_in_another_region_is_refreshed_and_deleted_there(
    provider: Provider, emulator: Emulator
) -> None:
    cache_id, outs = provider.create(region="cn-shanghai")
    found = provider.read(cache_id, outs)
    assert found is not None and found[0]["image_cache_id"] == cache_id
    provider.delete(cache_id, outs)
    assert not emulator.backend.region("cn-shanghai")


def test_a_change_of_region_replaces_the_cache(provider: Provider) -> None:
    cache_id, outs = provider.create()
    assert provider.diff(cache_id, outs, region="cn-shanghai").replaces == ("region",)


def test_naming_the_providers_own_region_is_no_change(provider: Provider) -> None:
    cache_id, outs = provider.create()
    assert not provider.diff(cache_id, outs, region="cn-hangzhou").has_changes


def test_annotations_reach_the_service_as_one_json_object(
    provider: Provider, emulator: Emulator
) -> None:
    provider.create(annotations={"team": "web", "example.com/owner": "ops"})
    [cache] = emulator.backend.all_caches()
    assert cache.spec["Annotations"] == '{"example.com/owner":"ops","team":"web"}'


def test_a_change_of_annotations_replaces_the_cache(provider: Provider) -> None:
    cache_id, outs = provider.create(annotations={"team": "web"})
    plan = provider.diff(cache_id, outs, annotations={"team": "ops"})
    assert plan.replaces == ("annotations",)


# ------------------------------------------------------------------ adoption and identity


def test_a_create_interrupted_mid_build_is_adopted_not_duplicated(emulator: Emulator) -> None:
    left = crashed_create(emulator)
    rerun = emulator.provider()
    cache_id, outs = rerun.create()
    assert cache_id == left and emulator.ids() == [left]
    assert outs["status"] == "Ready"
    assert emulator.backend.call_counts["CreateImageCache"] == 1


def test_a_replacement_never_adopts_the_cache_it_replaces(
    provider: Provider, emulator: Emulator
) -> None:
    old_id, outs = provider.create()
    provider.diff(old_id, outs)  # the engine diffs before replacing
    new_id, _ = provider.create()
    assert new_id != old_id
    assert sorted(emulator.ids()) == sorted([old_id, new_id])


def test_another_persons_cache_with_the_same_stack_and_name_is_never_adopted(
    provider: Provider, emulator: Emulator
) -> None:
    first_id, _ = provider.create()
    emulator.backend.add_access_key("second-person-key-id", "second-person-secret")
    second = emulator.provider(
        env={
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "second-person-key-id",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "second-person-secret",
        }
    )
    second_id, _ = second.create()
    assert second_id != first_id
    assert set(emulator.ids()) == {first_id, second_id}


def test_an_own_cache_older_than_the_timeout_is_refused_by_name(
    emulator: Emulator, naming: Naming
) -> None:
    old_id, _ = emulator.provider(naming).create(timeout="1m")  # then the state lost it
    emulator.backend.regions["cn-hangzhou"][old_id].creation_time -= 3600
    rerun = emulator.provider(naming)
    with pytest.raises(AdoptionError) as info:
        rerun.create(timeout="1m")
    message = str(info.value)
    assert message.startswith("web: not creating, because 1 cache bears this resource's identity")
    assert old_id in message and "1h 0m old" not in message and "older than" in message
    assert f'{naming.show("adopt_image_cache_id")}="{old_id}"' in message
    assert emulator.ids() == [old_id]


def test_an_own_cache_with_other_images_is_refused_not_adopted(emulator: Emulator) -> None:
    old_id, _ = emulator.provider().create(images=["redis:7.2"])  # then the state lost it
    with pytest.raises(AdoptionError) as info:
        emulator.provider().create()
    assert "its images differ" in str(info.value)
    assert emulator.ids() == [old_id]


def test_sts_credentials_without_a_role_never_adopt_automatically(emulator: Emulator) -> None:
    # Their key id changes every session, and STS names no role for them (a user's
    # token): nothing says the rerun is the same person.
    emulator.backend.add_access_key(
        DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, "*", user="emulator"
    )
    env = {"ALIBABA_CLOUD_SECURITY_TOKEN": "sts-token"}
    left = crashed_create(emulator, env)
    rerun_id, _ = emulator.provider(env=env).create()
    assert rerun_id != left and len(emulator.ids()) == 2


def test_a_role_the_provider_assumes_adopts_its_own_orphan(emulator: Emulator) -> None:
    # A new session (new key) every run, but the same role: the rerun is the same principal.
    emulator.backend.add_account(DEPLOY_ACCOUNT)
    emulator.backend.add_role(DEPLOY_ROLE, trust={"accounts": [DEFAULT_ACCOUNT_ID]})
    env = {"ALIBABA_CLOUD_ROLE_ARN": DEPLOY_ROLE}
    left = crashed_create(emulator, env)
    rerun_id, _ = emulator.provider(env=env).create()
    assert rerun_id == left and emulator.ids() == [left]
    [cache] = emulator.backend.all_caches()
    assert cache.account_id == DEPLOY_ACCOUNT
    assert emulator.backend.call_counts["AssumeRole"] == 2  # a session of its own each run


def test_a_bare_token_of_an_assumed_role_adopts_its_own_orphan(emulator: Emulator) -> None:
    # STS says whose session a bare token is (GetCallerIdentity): the role, every run.
    emulator.backend.add_account(DEPLOY_ACCOUNT)
    emulator.backend.add_role(DEPLOY_ROLE, trust={"accounts": [DEFAULT_ACCOUNT_ID]})
    caller = emulator.backend.access_keys[DEFAULT_ACCESS_KEY_ID]
    iam = emulator.backend.iam
    first, second = (
        iam.assume_role(caller, DEPLOY_ROLE, f"run-{run}").to_api()["Credentials"] for run in (1, 2)
    )
    envs = [
        {
            "ALIBABA_CLOUD_ACCESS_KEY_ID": session["AccessKeyId"],
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": session["AccessKeySecret"],
            "ALIBABA_CLOUD_SECURITY_TOKEN": session["SecurityToken"],
        }
        for session in (first, second)
    ]
    left = crashed_create(emulator, envs[0])
    rerun_id, _ = emulator.provider(env=envs[1]).create()
    assert rerun_id == left and emulator.ids() == [left]


def test_adopt_image_cache_id_takes_over_a_cache_and_brings_it_to_the_spec(
    provider: Provider, emulator: Emulator
) -> None:
    foreign = emulator.backend.create_image_cache(
        "cn-hangzhou", {"ImageCacheName": "console-made", "Images": ["redis:7.2"]}
    ).cache_id
    cache_id, outs = provider.create(adopt_image_cache_id=foreign)
    assert cache_id == foreign
    [cache] = emulator.live()
    assert (cache["ImageCacheName"], cache["Images"]) == ("web", ["nginx:1.25"])
    assert outs["status"] == "Ready"
    assert emulator.backend.call_counts["CreateImageCache"] == 0


def test_adopting_a_cache_that_does_not_exist_says_so(emulator: Emulator, naming: Naming) -> None:
    with pytest.raises(AdoptionError) as info:
        emulator.provider(naming).create(adopt_image_cache_id="imc-missing")
    field = naming.show("adopt_image_cache_id")
    assert str(info.value).startswith(f'web: {field} "imc-missing": no such image cache')


# ------------------------------------------------------------------ a wait that ends early


def test_a_wait_past_the_timeout_keeps_the_cache_with_the_way_out(
    emulator: Emulator, naming: Naming
) -> None:
    emulator.hold_builds()
    with pytest.raises(ResourceInitError) as info:
        emulator.provider(naming).create(timeout="1s")
    [cache] = emulator.live()
    assert info.value.cache_id == cache["ImageCacheId"]
    assert info.value.outputs["status"] == "Creating"
    assert "not Ready after 1s while Creating" in info.value.reason
    assert f"raise the resource's {naming.show('timeout')}" in info.value.reason


def test_a_service_error_during_the_wait_keeps_the_accepted_cache(
    provider: Provider, emulator: Emulator
) -> None:
    emulator.hold_builds()
    running = Background(lambda: provider.create())
    cache_id = provider.lines.waiting("Creating")
    refuse_every_describe(emulator)
    kept = running.raised(ResourceInitError)
    assert kept.cache_id == cache_id and emulator.ids() == [cache_id]
    assert kept.outputs["status"] == "Creating"
    assert kept.reason.startswith(f"web ({cache_id}): the wait")
    assert "DescribeImageCaches failed: Forbidden.RAM" in kept.reason
    assert "kept in the state" in kept.reason


def test_a_failed_round_names_each_waiting_cache_its_own(
    provider: Provider, emulator: Emulator
) -> None:
    emulator.hold_builds()
    names = ["cache-1", "cache-2", "cache-3"]
    running = {
        name: Background(partial(provider.create, name, image_cache_name=name)) for name in names
    }
    ids = {name: provider.lines.waiting("Creating", name) for name in names}
    refuse_every_describe(emulator)
    for name in names:
        kept = running[name].raised(ResourceInitError)
        assert kept.cache_id == ids[name]
        assert kept.reason.startswith(f"{name} ({ids[name]}): ")
        assert not any(other in kept.reason for other in names if other != name)
