"""What crosses the wire, through both engine faces, against the served emulator.

Each test replays what the engine does (check, diff, create, read, update, delete,
Cancel) over gRPC, once to the SDK's dynamic provider server (``python -m
pulumi.dynamic``: pickling, configure, its thread pool and wire format are the real
ones) and once to the plugin (``pulumi-resource-ecicache``: camelCase property values);
the ``face`` fixture picks which, and the test body is the same. Tests about one face
only say so by their name and start that face. Only what the wire carries is tested
here: inputs, outputs and unknowns marshalled both ways, the engine's per-property
diff, secrets kept out of output and state, the init-failed detail of a cache kept
when its wait ends early (and the next update resuming it), the engine's Cancel,
output lines and failures in one sentence. What the lifecycle does is tested once,
in-process, in tests/test_lifecycle.py; tests/e2e runs the same under the pulumi CLI.
Builds that must not finish during a test are held (``hold_builds``), and a test acts
on a create once the provider has printed that it waits for it, never after a sleep.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EmulatorServer,
)
from pulumi_eci_cache.rules.identity import (
    IDENTITY_KEY,
    IDENTITY_TAG,
    identity_tag_value,
    principal,
)
from pulumi_eci_cache.rules.values import UNKNOWN
from tests.support.background import Background
from tests.support.faces import FACES, DynamicFace, Face, init_failure, start_face
from tests.support.provider_server import grpc_error_text

FAST_POLLING = {
    "poll_floor_seconds": "0.05",
    "poll_first_seconds": "0.05",
    "poll_ceiling_seconds": "0.5",
    "max_requests_per_second": "1000",
}
ProviderServer = Face
PASSWORD = "s3cret-registry-password"
# The line a face prints once its wait has seen the cache building (its row's status).
WAITING = r"web \((imc-\w+)\): Creating"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """Builds end on the first look at them, unless held."""
    with EmulatorServer(build_seconds=0) as server:
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
    with emulator.backend.lock:
        return [cache.to_api() for cache in emulator.backend.all_caches()]


def waiting_create(
    provider: ProviderServer, emulator: EmulatorServer, **overrides: Any
) -> tuple[Background[tuple[str, dict[str, Any]]], str]:
    """A create whose build is held, once the provider has printed that its wait saw
    the cache building: the running create, and the cache's id."""
    emulator.backend.hold_builds = True
    checked, _ = provider.check("web", inputs(**overrides))
    running = Background(lambda: provider.create("web", checked))
    return running, provider.wait_for_output(WAITING).group(1)


# ----------------------------------------------------------- inputs, outputs, unknowns


def test_create_read_update_delete_round_trip_over_the_wire(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    news = inputs(image_cache_size=20, tags={"team": "web"})
    checked, failures = provider.check("web", news)
    assert failures == []
    cache_id, outs = provider.create("web", checked)
    assert cache_id.startswith("imc-") and outs["image_cache_id"] == cache_id
    assert (outs["status"], outs["progress"]) == ("Ready", "100%") and outs["snapshot_id"]
    assert (outs["image_cache_size"], outs["tags"]) == (20, {"team": "web"})
    [cache] = live(emulator)
    tag = {t["Key"]: t["Value"] for t in cache["Tags"]}[IDENTITY_TAG]
    who = principal(DEFAULT_ACCESS_KEY_ID, None, None)
    assert tag == identity_tag_value(provider.resource_identity("web", news), who)

    read_id, read_outs, read_inputs = provider.read("web", cache_id, outs)
    assert read_id == cache_id and read_outs["status"] == "Ready"
    assert (read_inputs["images"], read_inputs["image_cache_size"]) == (["nginx:1.25"], 20)

    checked, _ = provider.check("web", inputs(images=["nginx:1.25", "redis:7.2"]))
    new_outs = provider.update("web", cache_id, read_outs, checked)
    assert new_outs["image_cache_id"] == cache_id and new_outs["status"] == "Ready"
    assert new_outs["images"] == live(emulator)[0]["Images"] == ["nginx:1.25", "redis:7.2"]

    provider.delete("web", cache_id, new_outs)
    assert live(emulator) == []
    assert provider.read("web", cache_id, new_outs)[0] == ""  # gone: the engine drops it


def test_images_go_to_the_service_and_the_state_exactly_as_written(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    checked, _ = provider.check("web", inputs(images=["centos:latest", "Quay.io/team/app:1"]))
    assert checked["images"] == ["centos:latest", "Quay.io/team/app:1"]
    _, outs = provider.create("web", checked)
    assert outs["images"] == ["centos:latest", "Quay.io/team/app:1"]
    assert live(emulator)[0]["Images"] == ["centos:latest", "Quay.io/team/app:1"]


@pytest.mark.parametrize("face", ["dynamic", "plugin"])
def test_unknown_inputs_cross_check_and_diff_as_unknowns(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    checked, failures = provider.check("web", inputs(image_cache_size=UNKNOWN, tags={"a": UNKNOWN}))
    assert failures == []
    assert checked["image_cache_size"] is UNKNOWN and checked["tags"] == {"a": UNKNOWN}
    assert sum(emulator.backend.call_counts.values()) == 0
    cache_id, outs = create(provider)
    checked, _ = provider.check("web", inputs(zone_id=UNKNOWN))
    diff = provider.diff("web", cache_id, outs, checked)
    assert diff.changes == diff.DIFF_SOME and list(diff.replaces) == [provider.show("zone_id")]


# ------------------------------------------------------------- the engine's diff


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
    assert list(diff.replaces) == [show("zone_id")] and not diff.deleteBeforeReplace


def test_no_change_is_a_detailed_empty_diff(provider: ProviderServer) -> None:
    cache_id, outs = create(provider)
    checked, _ = provider.check("web", inputs())
    diff = provider.diff("web", cache_id, outs, checked)
    assert diff.changes == diff.DIFF_NONE
    assert diff.hasDetailedDiff and dict(diff.detailedDiff) == {}


# ------------------------------------------------------------------------ secrets


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
    message = grpc_error_text(info.value)  # the failed build, in one sentence
    assert "ended Failed" in message and "Traceback" not in message and "\n" not in message
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


# ------------------------------------------------------------- lines and failures


def test_progress_lines_reach_the_provider_output(emulator: EmulatorServer, face: str) -> None:
    server = start_provider(emulator, face)
    try:
        running, cache_id = waiting_create(server, emulator)  # printed: "web (imc-…): Creating"
        emulator.backend.finish_builds()
        assert running.returned()[1]["status"] == "Ready"
    finally:
        output = server.close()  # everything printed until the process ended
    assert f"web ({cache_id}): Creating" in output
    assert f"web ({cache_id}): Ready 100%" in output


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


# ------------------------------------------------- a kept cache: the init-failed detail


def create_then_cancel(
    provider: ProviderServer, emulator: EmulatorServer
) -> tuple[grpc.RpcError, float]:
    """A create whose build is held, and the engine's Cancel once its wait has seen the
    cache building: the error the create ends with, and how long after the Cancel."""
    running, _ = waiting_create(provider, emulator)
    cancelled_at = time.monotonic()
    provider.cancel()
    error = running.raised(grpc.RpcError)
    return error, time.monotonic() - cancelled_at


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
    checked, _ = provider.check("web", inputs(timeout="1s"))
    with pytest.raises(grpc.RpcError) as info:
        provider.create("web", checked)
    detail = init_failure(info.value)
    [cache] = live(emulator)
    assert detail is not None and detail.id == cache["ImageCacheId"]
    assert "not Ready after 1s while Creating" in detail.reasons[0]
    assert f"raise the resource's {provider.show('timeout')}" in detail.reasons[0]


def test_a_service_error_during_the_wait_keeps_the_accepted_cache_in_the_state(
    provider: ProviderServer, emulator: EmulatorServer
) -> None:
    running, cache_id = waiting_create(provider, emulator)
    # Refused for good (permission revoked), not once: a failed round's error reaches
    # the waiters that look again before the next round, and on a loaded machine the
    # waiter's thread may wake only after the next one.
    emulator.backend.faults.force(
        "DescribeImageCaches", code="Forbidden.RAM", http_status=403, count=1_000_000
    )
    detail = init_failure(running.raised(grpc.RpcError))
    assert [c["ImageCacheId"] for c in live(emulator)] == [cache_id]
    assert detail is not None and detail.id == cache_id
    reason = detail.reasons[0]
    assert reason.startswith(f"web ({cache_id}): the wait")
    assert "DescribeImageCaches failed: Forbidden.RAM" in reason
    assert "kept in the state" in reason and "Traceback" not in reason


def test_a_preview_create_or_update_of_the_plugin_answers_the_plan_and_calls_no_api(
    emulator: EmulatorServer,
) -> None:
    """The plugin answers the engine's Handshake, so the engine asks it to Create and
    Update at preview too (``preview`` set): it says what they would give, the outputs
    the service has not told yet unknown, and makes nothing."""
    from pulumi.runtime.proto import provider_pb2

    with start_provider(emulator, "plugin") as face:
        checked, _ = face.check("web", inputs())
        resp = face.stub.Create(
            provider_pb2.CreateRequest(
                urn=face.urn.format(name="web"), properties=face._news(checked), preview=True
            )
        )
        planned = face._plain(resp.properties)
        assert planned["image_cache_name"] == "web"
        assert planned["image_cache_id"] is UNKNOWN and planned["status"] is UNKNOWN
        olds = {**checked, "image_cache_id": "imc-1", "status": "Ready", "snapshot_id": "s-1"}
        news = {**checked, "images": ["nginx:1.26"]}
        updated = face.stub.Update(
            provider_pb2.UpdateRequest(
                id="imc-1",
                urn=face.urn.format(name="web"),
                olds=face._olds(olds),
                news=face._news(news),
                preview=True,
            )
        )
        kept = face._plain(updated.properties)
        assert kept["image_cache_id"] == "imc-1" and kept["snapshot_id"] is UNKNOWN
        assert kept["images"] == ["nginx:1.26"]
    assert sum(emulator.backend.call_counts.values()) == 0
