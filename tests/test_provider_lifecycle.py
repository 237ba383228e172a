"""ImageCache's lifecycle through both engine faces, against the served emulator.

Each test replays what the engine does (check, diff, create, read, update, delete)
over gRPC, once to the SDK's dynamic provider server (``python -m pulumi.dynamic``:
pickling, configure, its thread pool and wire format are the real ones) and once to
the plugin (``pulumi-resource-ecicache``: camelCase property values); the ``face``
fixture picks which, and the test body is the same. Tests about one face only say so
by their name and start that face. tests/e2e runs the same under the pulumi CLI.
Builds that must not finish during a test are held (``hold_builds``) rather than
raced against a deadline.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_ACCOUNT_ID,
    EmulatorServer,
)
from pulumi_eci_cache.rules.identity import IDENTITY_KEY, IDENTITY_TAG
from tests.support.faces import FACES, DynamicFace, Face, init_failure, start_face
from tests.support.provider_server import grpc_error_text

FAST_POLLING = {
    "poll_floor_seconds": "0.05",
    "poll_first_seconds": "0.05",
    "poll_ceiling_seconds": "0.5",
}
ProviderServer = Face
PASSWORD = "s3cret-registry-password"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(build_seconds=0.4) as server:
        yield server


@pytest.fixture(params=FACES)
def face(request: pytest.FixtureRequest) -> str:
    """Which engine face the test drives: the dynamic provider or the plugin."""
    return str(request.param)


def start_provider(
    emulator: EmulatorServer,
    face: str = "dynamic",
    settings: dict[str, str] | None = None,
    **env: str,
) -> ProviderServer:
    return start_face(
        face,
        {
            "ECI_CACHE_ENDPOINT": emulator.url,
            "ALIBABA_CLOUD_STS_ENDPOINT": emulator.url,
            "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou",
            "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
            **env,
        },
        {**FAST_POLLING, **(settings or {})},
    )


@pytest.fixture
def provider(emulator: EmulatorServer, face: str) -> Iterator[ProviderServer]:
    server = start_provider(emulator, face)
    yield server
    server.close()


def inputs(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "image_cache_name": "web",
        "images": ["nginx:1.25"],
        IDENTITY_KEY: "proj/stack/web",
    }
    return {**base, **overrides}


def create(provider: ProviderServer, name: str = "web", **overrides: Any) -> tuple[str, dict]:
    checked, failures = provider.check(name, inputs(**overrides))
    assert failures == []
    return provider.create(name, checked)


def live(emulator: EmulatorServer) -> list[dict[str, Any]]:
    return [cache.to_api() for cache in emulator.backend.all_caches()]


def test_check_reports_bad_input_and_calls_no_api(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    _, failures = provider.check("web", inputs(image_cache_size=10, images=["nginx"]))
    assert {prop for prop, _ in failures} == {
        provider.show("image_cache_size"),
        provider.show("images"),
    }
    assert any("10" in reason and "20" in reason for _, reason in failures)
    assert sum(emulator.backend.call_counts.values()) == 0


def test_images_go_to_the_service_and_the_state_exactly_as_written(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    checked, _ = provider.check("web", inputs(images=["centos:latest", "Quay.io/team/app:1"]))
    assert checked["images"] == ["centos:latest", "Quay.io/team/app:1"]
    _, outs = provider.create("web", checked)
    assert outs["images"] == ["centos:latest", "Quay.io/team/app:1"]
    assert live(emulator)[0]["Images"] == ["centos:latest", "Quay.io/team/app:1"]


def test_create_waits_until_ready_and_returns_the_live_outputs(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider)
    assert cache_id.startswith("imc-")
    assert (outs["status"], outs["progress"]) == ("Ready", "100%")
    assert outs["image_cache_id"] == cache_id and outs["snapshot_id"]
    assert outs["container_group_id"]
    assert [c["ImageCacheId"] for c in live(emulator)] == [cache_id]


def test_every_cache_carries_the_tag_that_finds_it_again(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    create(provider, tags={"team": "web"})
    tags = {t["Key"]: t["Value"] for t in live(emulator)[0]["Tags"]}
    assert tags["team"] == "web" and IDENTITY_TAG in tags


def test_a_changed_image_list_is_an_in_place_update(provider: ProviderServer) -> None:
    cache_id, outs = create(provider)
    checked, _ = provider.check("web", inputs(images=["nginx:1.25", "redis:7.2"]))
    diff = provider.diff("web", cache_id, outs, checked)
    assert diff.changes == diff.DIFF_SOME and list(diff.replaces) == []


def test_a_changed_zone_forces_a_replacement_built_before_the_old_one_goes(
    provider: ProviderServer,
) -> None:
    cache_id, outs = create(provider, zone_id="cn-hangzhou-h")
    checked, _ = provider.check("web", inputs(zone_id="cn-hangzhou-i"))
    diff = provider.diff("web", cache_id, outs, checked)
    assert list(diff.replaces) == [provider.show("zone_id")] and not diff.deleteBeforeReplace


def test_the_same_images_written_differently_are_no_change(provider: ProviderServer) -> None:
    cache_id, outs = create(provider, images=["nginx:1.25", "redis:7.2"])
    checked, _ = provider.check(
        "web", inputs(images=["docker.io/library/redis:7.2", "docker.io/library/nginx:1.25"])
    )
    assert provider.diff("web", cache_id, outs, checked).changes == 1  # DIFF_NONE


def test_update_changes_the_cache_in_place_and_waits_for_ready(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider)
    checked, _ = provider.check("web", inputs(images=["nginx:1.25", "redis:7.2"]))
    new_outs = provider.update("web", cache_id, outs, checked)
    assert new_outs["status"] == "Ready" and new_outs["image_cache_id"] == cache_id
    assert sorted(live(emulator)[0]["Images"]) == [
        "nginx:1.25",
        "redis:7.2",
    ]


def test_a_timeout_only_change_makes_no_api_call(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider)
    checked, _ = provider.check("web", inputs(timeout="90m"))
    provider.update("web", cache_id, outs, checked)
    assert emulator.backend.call_counts["UpdateImageCache"] == 0


def test_a_failed_build_raises_the_services_reason_and_leaves_nothing(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    emulator.backend.set_unpullable_images(["docker.io/library/nginx:0.0-missing"])
    checked, _ = provider.check("web", inputs(images=["nginx:0.0-missing"]))
    with pytest.raises(grpc.RpcError) as info:
        provider.create("web", checked)
    assert "nginx:0.0-missing" in info.value.details()
    assert "Failed" in info.value.details()
    assert live(emulator) == []


def test_refresh_reads_live_fields_back_as_inputs(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider)
    emulator.backend.update_image_cache(
        "cn-hangzhou", cache_id, {"ImageCacheSize": 40, "Images": ["docker.io/library/redis:7.2"]}
    )
    new_id, _, read_inputs = provider.read("web", cache_id, outs)
    assert new_id == cache_id
    assert read_inputs["image_cache_size"] == 40
    assert read_inputs["images"] == ["docker.io/library/redis:7.2"]


def test_refresh_drops_a_cache_deleted_outside_pulumi(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider)
    emulator.backend.delete_image_cache("cn-hangzhou", cache_id)
    assert provider.read("web", cache_id, outs)[0] == ""


def test_delete_removes_the_cache_and_tolerates_it_being_gone(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider)
    provider.delete("web", cache_id, outs)
    assert live(emulator) == []
    provider.delete("web", cache_id, outs)  # already gone: no error


def test_a_create_interrupted_mid_build_is_adopted_not_duplicated(
    emulator: EmulatorServer, face: str
) -> None:
    emulator.backend.hold_builds = True  # the build cannot end before the engine gives up
    first = start_provider(emulator, face)
    checked, _ = first.check("web", inputs())
    with pytest.raises(grpc.RpcError):
        first.create("web", checked, timeout=0.5)  # the engine gives up ...
    first.close()  # ... and the provider process dies with it
    assert len(live(emulator)) == 1
    emulator.backend.hold_builds = False
    emulator.backend.finish_builds()
    second = start_provider(emulator, face)
    try:
        cache_id, outs = second.create("web", checked)
    finally:
        second.close()
    assert [c["ImageCacheId"] for c in live(emulator)] == [cache_id]
    assert outs["status"] == "Ready"


def test_a_replacement_never_adopts_the_cache_it_replaces(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    old_id, outs = create(provider)
    checked, _ = provider.check("web", inputs())
    provider.diff("web", old_id, outs, checked)  # the engine diffs before replacing
    new_id, _ = provider.create("web", checked)
    assert new_id != old_id
    assert len(live(emulator)) == 2


def test_a_lost_create_response_is_retried_without_a_second_cache(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    emulator.backend.faults.force("CreateImageCache", kind="drop", after_success=True)
    cache_id, _ = create(provider)
    assert [c["ImageCacheId"] for c in live(emulator)] == [cache_id]


def test_registry_passwords_stay_out_of_errors_and_provider_output(
    emulator: EmulatorServer, face: str
) -> None:
    server = start_provider(emulator, face)
    credentials = [{"server": "r.example.com", "user_name": "u", "password": PASSWORD}]
    emulator.backend.set_unpullable_images(["r.example.com/app:1"])
    checked, _ = server.check(
        "web", inputs(images=["r.example.com/app:1"], image_registry_credentials=credentials)
    )
    with pytest.raises(grpc.RpcError) as info:
        server.create("web", checked)
    output = server.close()
    assert PASSWORD not in info.value.details()
    assert PASSWORD not in output and DEFAULT_ACCESS_KEY_SECRET not in output


def test_the_dynamic_faces_pickled_provider_holds_no_credentials(
    emulator: EmulatorServer,
) -> None:
    with start_provider(emulator, "dynamic") as provider:
        create(provider)  # configure + use: nothing must have been stored on the instance
    assert isinstance(provider, DynamicFace)
    blob = base64.b64decode(provider.provider_blob)
    assert DEFAULT_ACCESS_KEY_SECRET.encode() not in blob
    assert b"pulumi_eci_cache.provider" in blob and len(blob) < 400


def test_progress_lines_reach_the_provider_output(emulator: EmulatorServer, face: str) -> None:
    emulator.backend.build_seconds = 1.0
    server = start_provider(emulator, face)
    create(server)
    time.sleep(0.1)
    output = server.close()
    assert "web (imc-" in output and "Ready 100%" in output


def test_an_update_that_fails_reports_update_failed_with_the_reason(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider)
    emulator.backend.set_unpullable_images(["docker.io/library/redis:0.0-missing"])
    checked, _ = provider.check("web", inputs(images=["nginx:1.25", "redis:0.0-missing"]))
    with pytest.raises(grpc.RpcError) as info:
        provider.update("web", cache_id, outs, checked)
    assert "UpdateFailed" in info.value.details()
    assert "redis:0.0-missing" in info.value.details()


def test_an_update_waits_for_a_cache_still_building(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider)
    emulator.backend.update_image_cache("cn-hangzhou", cache_id, {"ImageCacheSize": 30})
    checked, _ = provider.check("web", inputs(image_cache_size=40))
    new_outs = provider.update("web", cache_id, outs, checked)  # no IncorrectImageCacheStatus
    assert new_outs["status"] == "Ready"
    assert live(emulator)[0]["ImageCacheSize"] == 40


def test_the_engine_is_told_per_property_what_is_updated_and_what_replaces(
    provider: ProviderServer,
) -> None:
    from pulumi.runtime.proto import provider_pb2

    cache_id, outs = create(provider, zone_id="cn-hangzhou-h")
    checked, _ = provider.check(
        "web", inputs(zone_id="cn-hangzhou-i", images=["nginx:1.25", "redis:7.2"], flash=True)
    )
    diff = provider.diff("web", cache_id, outs, checked)
    kinds = {
        name: provider_pb2.PropertyDiff.Kind.Name(d.kind) for name, d in diff.detailedDiff.items()
    }
    assert diff.hasDetailedDiff
    show = provider.show
    assert kinds == {show("zone_id"): "UPDATE_REPLACE", "images": "UPDATE", "flash": "ADD"}
    assert sorted(diff.diffs) == sorted(["flash", "images", show("zone_id")])
    assert all(d.inputDiff for d in diff.detailedDiff.values())


def test_no_change_is_a_detailed_empty_diff(provider: ProviderServer) -> None:
    cache_id, outs = create(provider)
    checked, _ = provider.check("web", inputs())
    diff = provider.diff("web", cache_id, outs, checked)
    assert diff.hasDetailedDiff and dict(diff.detailedDiff) == {}


def test_the_same_inputs_after_a_destroy_build_a_new_cache(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    first_id, outs = create(provider)
    provider.delete("web", first_id, outs)
    second_id, second_outs = create(provider)
    assert second_id != first_id and second_outs["status"] == "Ready"
    assert [c["ImageCacheId"] for c in live(emulator)] == [second_id]


def test_updating_back_and_forth_really_changes_the_cache_each_time(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider)
    for images in (["redis:7.2"], ["nginx:1.25"], ["redis:7.2"]):
        checked, _ = provider.check("web", inputs(images=images))
        outs = provider.update("web", cache_id, outs, checked)
        assert live(emulator)[0]["Images"] == checked["images"]


def test_a_failed_update_is_retried_by_the_next_up_once_the_cause_is_fixed(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider)
    emulator.backend.set_unpullable_images(["docker.io/library/redis:7.2"])
    checked, _ = provider.check("web", inputs(images=["nginx:1.25", "redis:7.2"]))
    with pytest.raises(grpc.RpcError):
        provider.update("web", cache_id, outs, checked)  # the engine keeps the old state
    _, refreshed, _ = provider.read("web", cache_id, outs)
    assert refreshed["status"] == "UpdateFailed"
    emulator.backend.set_unpullable_images([])  # the registry is back
    diff = provider.diff("web", cache_id, refreshed, checked)
    assert diff.changes == diff.DIFF_SOME and list(diff.replaces) == []
    assert provider.update("web", cache_id, refreshed, checked)["status"] == "Ready"


def test_a_cache_refreshed_as_failed_is_replaced(provider: ProviderServer) -> None:
    cache_id, outs = create(provider)
    checked, _ = provider.check("web", inputs())
    diff = provider.diff("web", cache_id, {**outs, "status": "Failed"}, checked)
    assert list(diff.replaces) == ["status"]


# --------------------------------------------------------------------------- identity


def second_key_provider(emulator: EmulatorServer, face: str) -> ProviderServer:
    """Another person: same program and stack name, another access key, same account."""
    emulator.backend.add_access_key("second-person-key-id", "second-person-secret")
    return start_provider(
        emulator,
        face,
        ALIBABA_CLOUD_ACCESS_KEY_ID="second-person-key-id",
        ALIBABA_CLOUD_ACCESS_KEY_SECRET="second-person-secret",
    )


def orphan(emulator: EmulatorServer, provider: ProviderServer, **overrides: Any) -> str:
    """A cache this resource created, which the state then lost (a crashed create)."""
    cache_id, _ = create(provider, **overrides)
    return cache_id


def test_another_persons_cache_with_the_same_stack_and_name_is_never_adopted(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    first_id, _ = create(provider)
    second = second_key_provider(emulator, provider.kind)
    try:
        second_id, _ = create(second)
    finally:
        second.close()
    assert second_id != first_id
    assert {c["ImageCacheId"] for c in live(emulator)} == {first_id, second_id}


def test_an_own_cache_older_than_the_timeout_is_refused_by_name(
    emulator: EmulatorServer, face: str
) -> None:
    first = start_provider(emulator, face)
    try:
        old_id = orphan(emulator, first, timeout="1m")
    finally:
        first.close()
    emulator.backend.regions["cn-hangzhou"][old_id].creation_time -= 3600
    rerun = start_provider(emulator, face)
    try:
        checked, _ = rerun.check("web", inputs(timeout="1m"))
        with pytest.raises(grpc.RpcError) as info:
            rerun.create("web", checked)
    finally:
        rerun.close()
    message = grpc_error_text(info.value)
    assert message.startswith("web: not creating, because 1 cache bears this resource's identity")
    assert old_id in message and "1h 0m old" not in message and "older than" in message
    assert f'{rerun.show("adopt_image_cache_id")}="{old_id}"' in message
    assert "Traceback" not in message
    assert [c["ImageCacheId"] for c in live(emulator)] == [old_id]


def test_an_own_cache_with_other_images_is_refused_not_adopted(
    emulator: EmulatorServer, face: str
) -> None:
    first = start_provider(emulator, face)
    try:
        old_id = orphan(emulator, first, images=["redis:7.2"])
    finally:
        first.close()
    rerun = start_provider(emulator, face)
    try:
        checked, _ = rerun.check("web", inputs())
        with pytest.raises(grpc.RpcError) as info:
            rerun.create("web", checked)
    finally:
        rerun.close()
    assert "its images differ" in grpc_error_text(info.value)
    assert [c["ImageCacheId"] for c in live(emulator)] == [old_id]


def interrupted_then_rerun(emulator: EmulatorServer, face: str, **env: str) -> list[str]:
    """A create whose provider dies mid-build, then the rerun: the caches left."""
    emulator.backend.hold_builds = True
    first = start_provider(emulator, face, **env)
    checked, _ = first.check("web", inputs())
    with pytest.raises(grpc.RpcError):
        first.create("web", checked, timeout=0.5)
    first.close()
    emulator.backend.hold_builds = False
    emulator.backend.finish_builds()
    rerun = start_provider(emulator, face, **env)
    try:
        rerun.create("web", checked)
    finally:
        rerun.close()
    return [c["ImageCacheId"] for c in live(emulator)]


def test_sts_credentials_without_a_role_never_adopt_automatically(
    emulator: EmulatorServer, face: str
) -> None:
    # Their key id changes every session, and STS names no role for them (a user's
    # token): nothing says the rerun is the same person.
    emulator.backend.add_access_key(
        DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, "*", user="emulator"
    )
    left = interrupted_then_rerun(emulator, face, ALIBABA_CLOUD_SECURITY_TOKEN="sts-token")
    assert len(left) == 2


DEPLOY_ROLE = "acs:ram::2222000000000000:role/deploy"


def test_a_role_the_provider_assumes_adopts_its_own_orphan(
    emulator: EmulatorServer, face: str
) -> None:
    # A new session (new key) every run, but the same role: the rerun is the same principal.
    emulator.backend.add_account("2222000000000000")
    emulator.backend.add_role(DEPLOY_ROLE, trust={"accounts": [DEFAULT_ACCOUNT_ID]})
    left = interrupted_then_rerun(emulator, face, ALIBABA_CLOUD_ROLE_ARN=DEPLOY_ROLE)
    assert len(left) == 1
    [cache] = emulator.backend.all_caches()
    assert cache.account_id == "2222000000000000"


def test_a_bare_token_of_an_assumed_role_adopts_its_own_orphan(
    emulator: EmulatorServer, face: str
) -> None:
    # STS says whose session a bare token is (GetCallerIdentity): the role, every run.
    emulator.backend.add_account("2222000000000000")
    emulator.backend.add_role(DEPLOY_ROLE, trust={"accounts": [DEFAULT_ACCOUNT_ID]})
    caller = emulator.backend.access_keys[DEFAULT_ACCESS_KEY_ID]
    iam = emulator.backend.iam
    sessions = [
        iam.assume_role(caller, DEPLOY_ROLE, f"run-{run}").to_api()["Credentials"] for run in (1, 2)
    ]
    emulator.backend.hold_builds = True
    left = []
    for session in sessions:
        env = {
            "ALIBABA_CLOUD_ACCESS_KEY_ID": session["AccessKeyId"],
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": session["AccessKeySecret"],
            "ALIBABA_CLOUD_SECURITY_TOKEN": session["SecurityToken"],
        }
        server = start_provider(emulator, face, **env)
        try:
            checked, _ = server.check("web", inputs())
            if session is sessions[0]:
                with pytest.raises(grpc.RpcError):
                    server.create("web", checked, timeout=0.5)
                emulator.backend.hold_builds = False
                emulator.backend.finish_builds()
            else:
                server.create("web", checked)
        finally:
            server.close()
        left = [c.cache_id for c in emulator.backend.all_caches()]
    assert len(left) == 1


def test_adopt_image_cache_id_takes_over_a_cache_and_brings_it_to_the_spec(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    foreign = emulator.backend.create_image_cache(
        "cn-hangzhou", {"ImageCacheName": "console-made", "Images": ["redis:7.2"]}
    ).cache_id
    cache_id, outs = create(provider, adopt_image_cache_id=foreign)
    assert cache_id == foreign
    [cache] = live(emulator)
    assert (cache["ImageCacheName"], cache["Images"]) == ("web", ["nginx:1.25"])
    assert outs["status"] == "Ready"


def test_adopting_a_cache_that_does_not_exist_says_so(provider: ProviderServer) -> None:
    checked, _ = provider.check("web", inputs(adopt_image_cache_id="imc-missing"))
    with pytest.raises(grpc.RpcError) as info:
        provider.create("web", checked)
    message = grpc_error_text(info.value)
    field = provider.show("adopt_image_cache_id")
    assert message.startswith(f'web: {field} "imc-missing": no such image cache')


# --------------------------------------------------------------------- clean failures


def test_an_unreachable_endpoint_fails_naming_it_and_its_setting(
    emulator: EmulatorServer, face: str
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    server = start_provider(
        emulator, face, {"unreachable_timeout_seconds": "2"}, ECI_CACHE_ENDPOINT=dead
    )
    try:
        checked, _ = server.check("web", inputs())
        with pytest.raises(grpc.RpcError) as info:
            server.create("web", checked)
    finally:
        output = server.close()
    message = grpc_error_text(info.value)
    assert message.startswith(f"web: DescribeImageCaches: cannot reach the ECI endpoint {dead}")
    assert "(set by environment variable ECI_CACHE_ENDPOINT)" in message
    assert "Traceback" not in message
    assert "polling again, giving up in" in output  # lines while it waited


def test_a_failed_build_reads_as_one_message_with_the_services_reason(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    emulator.backend.set_unpullable_images({"nginx:0.0-missing": "manifest unknown"})
    checked, _ = provider.check("web", inputs(images=["nginx:0.0-missing"]))
    with pytest.raises(grpc.RpcError) as info:
        provider.create("web", checked)
    message = grpc_error_text(info.value)
    assert message.startswith("web (imc-")
    assert "ended Failed" in message and "manifest unknown" in message
    assert "Traceback" not in message and "\n" not in message


# ---------------------------------------------------------------- cancel and timeouts


def create_then_cancel(
    provider: ProviderServer, emulator: EmulatorServer
) -> tuple[grpc.RpcError, float]:
    """A create whose build is held, and the engine's Cancel once the service has it:
    the error the create ends with, and how long after the Cancel it came."""
    import threading

    emulator.backend.hold_builds = True
    checked, _ = provider.check("web", inputs())
    caught: list[grpc.RpcError] = []

    def run() -> None:
        try:
            provider.create("web", checked)
        except grpc.RpcError as error:
            caught.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while not live(emulator) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # let the wait begin
    cancelled_at = time.monotonic()
    provider.cancel()
    worker.join(timeout=30)
    assert caught, "the create did not end after the engine's Cancel"
    return caught[0], time.monotonic() - cancelled_at


def test_a_cancel_ends_a_create_at_once_and_keeps_the_cache_in_the_state(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    error, after = create_then_cancel(provider, emulator)
    detail = init_failure(error)
    [cache] = live(emulator)
    assert after < 5.0
    assert detail is not None and detail.id == cache["ImageCacheId"]
    assert "interrupted while Creating" in detail.reasons[0]
    assert "Traceback" not in error.details()


def test_the_kept_cache_has_the_outputs_known_so_far(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    error, _ = create_then_cancel(provider, emulator)
    detail = init_failure(error)
    assert detail is not None
    from pulumi.runtime import rpc

    properties = rpc.deserialize_properties(detail.properties)
    status = properties.get("status")
    assert status == "Creating"
    assert properties.get("image_cache_name", properties.get("imageCacheName")) == "web"


def test_the_next_up_resumes_waiting_for_a_kept_cache_without_building_another(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    error, _ = create_then_cancel(provider, emulator)
    detail = init_failure(error)
    assert detail is not None
    provider.close()
    emulator.backend.hold_builds = False
    emulator.backend.finish_builds()
    rerun = start_provider(emulator, provider.kind)
    try:
        from pulumi.runtime import rpc

        kept = {**inputs(), **rpc.deserialize_properties(detail.properties)}
        olds = {name.replace("imageCacheName", "image_cache_name"): v for name, v in kept.items()}
        checked, _ = rerun.check("web", inputs())
        outs = rerun.update("web", detail.id, olds, checked)
    finally:
        rerun.close()
    assert outs["status"] == "Ready"
    assert emulator.backend.call_counts["CreateImageCache"] == 1


def test_a_wait_past_the_timeout_keeps_the_cache_with_the_way_out(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    emulator.backend.hold_builds = True
    checked, _ = provider.check("web", inputs(timeout="2s"))
    with pytest.raises(grpc.RpcError) as info:
        provider.create("web", checked)
    detail = init_failure(info.value)
    [cache] = live(emulator)
    assert detail is not None and detail.id == cache["ImageCacheId"]
    assert "not Ready after 2s while Creating" in detail.reasons[0]
    assert f"raise the resource's {provider.show('timeout')}" in detail.reasons[0]


# ------------------------------------------------------- regions and annotations


def test_a_cache_with_its_own_region_is_built_there(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider, region="cn-shanghai")
    assert set(emulator.backend.regions["cn-shanghai"]) == {cache_id}
    assert not emulator.backend.region("cn-hangzhou")
    assert outs["region_id"] == "cn-shanghai"


def test_a_cache_in_another_region_is_refreshed_and_deleted_there(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    cache_id, outs = create(provider, region="cn-shanghai")
    assert provider.read("web", cache_id, outs)[0] == cache_id
    provider.delete("web", cache_id, outs)
    assert not emulator.backend.region("cn-shanghai")


def test_a_change_of_region_replaces_the_cache(provider: ProviderServer) -> None:
    cache_id, outs = create(provider)
    checked, _ = provider.check("web", inputs(region="cn-shanghai"))
    diff = provider.diff("web", cache_id, outs, checked)
    assert list(diff.replaces) == ["region"]


def test_naming_the_providers_own_region_is_no_change(provider: ProviderServer) -> None:
    cache_id, outs = create(provider)
    checked, _ = provider.check("web", inputs(region="cn-hangzhou"))
    assert provider.diff("web", cache_id, outs, checked).changes == 1  # DIFF_NONE


def test_annotations_reach_the_service_as_one_json_object(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    create(provider, annotations={"team": "web", "example.com/owner": "ops"})
    [cache] = emulator.backend.all_caches()
    assert cache.spec["Annotations"] == '{"example.com/owner":"ops","team":"web"}'


def test_a_change_of_annotations_replaces_the_cache(provider: ProviderServer) -> None:
    cache_id, outs = create(provider, annotations={"team": "web"})
    checked, _ = provider.check("web", inputs(annotations={"team": "ops"}))
    assert list(provider.diff("web", cache_id, outs, checked).replaces) == ["annotations"]


# ------------------------------------------------- nothing lost when a wait fails


def test_a_service_error_during_the_wait_keeps_the_accepted_cache_in_the_state(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    emulator.backend.hold_builds = True
    checked, _ = provider.check("web", inputs())
    caught: list[grpc.RpcError] = []

    def run() -> None:
        try:
            provider.create("web", checked)
        except grpc.RpcError as error:
            caught.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while not live(emulator) and time.monotonic() < deadline:
        time.sleep(0.05)
    emulator.backend.faults.force("DescribeImageCaches", code="Forbidden.RAM", http_status=403)
    worker.join(timeout=60)
    detail = init_failure(caught[0])
    [cache] = live(emulator)
    assert detail is not None and detail.id == cache["ImageCacheId"]
    reason = detail.reasons[0]
    assert reason.startswith(f"web ({cache['ImageCacheId']}): the wait")
    assert "DescribeImageCaches failed: Forbidden.RAM" in reason
    assert "kept in the state" in reason and "Traceback" not in reason


def test_a_failed_round_names_each_waiting_cache_its_own(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    emulator.backend.hold_builds = True
    names = ["cache-1", "cache-2", "cache-3"]
    caught: dict[str, grpc.RpcError] = {}

    def run(name: str) -> None:
        checked, _ = provider.check(name, inputs(image_cache_name=name, **{IDENTITY_KEY: name}))
        try:
            provider.create(name, checked)
        except grpc.RpcError as error:
            caught[name] = error

    workers = [threading.Thread(target=run, args=(name,)) for name in names]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 30
    while len(live(emulator)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    emulator.backend.faults.force("DescribeImageCaches", code="Forbidden.RAM", http_status=403)
    for worker in workers:
        worker.join(timeout=60)
    ids = {c["ImageCacheName"]: c["ImageCacheId"] for c in live(emulator)}
    for name in names:
        detail = init_failure(caught[name])
        assert detail is not None and detail.id == ids[name]
        assert detail.reasons[0].startswith(f"{name} ({ids[name]}): ")
        assert not any(other in detail.reasons[0] for other in names if other != name)
