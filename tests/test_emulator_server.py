"""The served emulator: real sockets, admin endpoints, state file, the CLI entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_eci_cache.emulator import EciBackend, EmulatorServer, FakeClock
from pulumi_eci_cache.emulator.mock import signed_path

CREATE = {"ImageCacheName": "web", "Image.1": "nginx:1.25"}
NEW_YEAR = "Fri, 01 Jan 2027 00:00:00 GMT"  # where a FakeClock starts
ANNOTATIONS = '{"team":"web","k8s.aliyun.com/eci-xyz":"1"}'


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(build_seconds=0) as served:
        yield served


def call(server: EmulatorServer, action: str, params: dict[str, Any] | None = None) -> Any:
    response = httpx.get(server.url + signed_path(action, params or {}))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def on_new_year() -> Iterator[EmulatorServer]:
    """Served on a FakeClock: the backend's time is known to the second, and is not the
    machine's."""
    with EmulatorServer(EciBackend(clock=FakeClock(), build_seconds=0)) as served:
        yield served


def admin(server: EmulatorServer, path: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        return httpx.get(f"{server.url}/_emulator/{path}").json()
    return httpx.post(f"{server.url}/_emulator/{path}", json=body).json()


def test_served_emulator_creates_and_describes(server: EmulatorServer) -> None:
    cache_id = call(server, "CreateImageCache", CREATE)["ImageCacheId"]
    caches = call(server, "DescribeImageCaches", {"ImageCacheId": cache_id})["ImageCaches"]
    assert caches[0]["Status"] == "Ready"


def test_admin_caches_lists_every_region(server: EmulatorServer) -> None:
    call(server, "CreateImageCache", CREATE)
    httpx.get(server.url + signed_path("CreateImageCache", CREATE, region_id="cn-beijing"))
    regions = {c["RegionId"] for c in admin(server, "caches")["ImageCaches"]}
    assert regions == {"cn-hangzhou", "cn-beijing"}


def test_admin_reset_empties_the_emulator(server: EmulatorServer) -> None:
    call(server, "CreateImageCache", CREATE)
    admin(server, "reset", {})
    assert admin(server, "caches") == {"ImageCaches": []}


def test_admin_config_sets_the_build_time(server: EmulatorServer) -> None:
    assert admin(server, "config", {"build_seconds": 100})["build_seconds"] == 100
    call(server, "CreateImageCache", CREATE)
    assert admin(server, "caches")["ImageCaches"][0]["Status"] == "Preparing"


def test_admin_clock_advances_builds(server: EmulatorServer) -> None:
    admin(server, "config", {"build_seconds": 100})
    call(server, "CreateImageCache", CREATE)
    admin(server, "clock", {"advance": 100})
    assert admin(server, "caches")["ImageCaches"][0]["Status"] == "Ready"


def test_admin_unpullable_makes_builds_fail(server: EmulatorServer) -> None:
    admin(server, "unpullable", {"images": {"nginx:1.25": "manifest unknown"}})
    call(server, "CreateImageCache", CREATE)
    cache = admin(server, "caches")["ImageCaches"][0]
    assert cache["Status"] == "Failed"
    assert any("manifest unknown" in e["Message"] for e in cache["Events"])


def test_admin_faults_force_errors_and_report_themselves(server: EmulatorServer) -> None:
    faults = admin(
        server,
        "faults",
        {
            "force": [{"action": "CreateImageCache", "code": "InternalError", "http_status": 500}],
            "throttle": {"qps": 100, "burst": 100},
        },
    )
    assert faults["forced"][0]["code"] == "InternalError" and faults["bucket"]["qps"] == 100
    response = httpx.get(server.url + signed_path("CreateImageCache", CREATE))
    assert (response.status_code, response.json()["Code"]) == (500, "InternalError")


def test_admin_faults_reject_an_unknown_kind(server: EmulatorServer) -> None:
    response = httpx.post(f"{server.url}/_emulator/faults", json={"force": [{"kind": "melt"}]})
    assert response.status_code == 400


def test_admin_calls_counts_actions(server: EmulatorServer) -> None:
    call(server, "DescribeImageCaches")
    assert admin(server, "calls")["calls"] == {"DescribeImageCaches": 1}


def test_admin_evict_removes_an_lru_cache(server: EmulatorServer) -> None:
    cache_id = call(server, "CreateImageCache", {**CREATE, "EliminationStrategy": "LRU"})[
        "ImageCacheId"
    ]
    admin(server, "evict", {"ImageCacheId": cache_id})
    assert admin(server, "caches") == {"ImageCaches": []}


def test_unknown_admin_endpoint_is_404(server: EmulatorServer) -> None:
    assert httpx.get(f"{server.url}/_emulator/nothing").status_code == 404


def test_dropped_connection_closes_the_socket_unanswered(server: EmulatorServer) -> None:
    server.backend.faults.force("DescribeImageCaches", kind="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(server.url + signed_path("DescribeImageCaches", {}))
    assert httpx.get(server.url + signed_path("DescribeImageCaches", {})).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", signed_path("DescribeImageCaches", {})),
        ("GET", signed_path("CreateImageCache", {**CREATE, "ImageCacheSize": "1"})),
        ("GET", "/_emulator/calls"),
        ("GET", "/_emulator/nothing"),
        ("PUT", "/"),  # answered by http.server itself: 501
    ],
    ids=["rpc", "rpc-error", "admin", "admin-404", "unsupported-method"],
)
def test_served_answers_carry_exactly_one_date_the_backends(
    on_new_year: EmulatorServer, method: str, path: str
) -> None:
    response = httpx.request(method, on_new_year.url + path)
    assert response.headers.get_list("Date") == [NEW_YEAR]


def test_served_date_moves_with_the_admin_clock(on_new_year: EmulatorServer) -> None:
    describe = on_new_year.url + signed_path("DescribeImageCaches", {})
    before = parsedate_to_datetime(httpx.get(describe).headers["Date"])
    admin(on_new_year, "clock", {"advance": 2 * 86400})
    after = parsedate_to_datetime(httpx.get(describe).headers["Date"])
    assert after - before == timedelta(days=2)


def test_served_throttling_answer_carries_the_backends_date(on_new_year: EmulatorServer) -> None:
    admin(on_new_year, "faults", {"throttle": {"qps": 1, "burst": 0}})
    response = httpx.get(on_new_year.url + signed_path("DescribeImageCaches", {}))
    assert response.status_code == 400 and response.headers.get_list("Date") == [NEW_YEAR]


def test_admin_config_hold_builds_keeps_builds_from_finishing(server: EmulatorServer) -> None:
    assert admin(server, "config", {"hold_builds": True})["hold_builds"] is True
    call(server, "CreateImageCache", CREATE)
    cache = admin(server, "caches")["ImageCaches"][0]
    assert (cache["Status"], cache["Progress"]) == ("Creating", "99%")


def test_admin_builds_finish_ends_every_held_build(server: EmulatorServer) -> None:
    admin(server, "config", {"hold_builds": True})
    cache_id = call(server, "CreateImageCache", CREATE)["ImageCacheId"]
    assert admin(server, "builds/finish", {}) == {"ImageCacheIds": [cache_id]}
    assert admin(server, "caches")["ImageCaches"][0]["Status"] == "Ready"


def test_admin_config_refuses_a_hold_builds_that_is_not_a_boolean(server: EmulatorServer) -> None:
    response = httpx.post(f"{server.url}/_emulator/config", json={"hold_builds": "false"})
    assert response.status_code == 400 and "hold_builds" in response.json()["error"]


def test_admin_caches_shows_annotations_as_sent(server: EmulatorServer) -> None:
    call(server, "CreateImageCache", {**CREATE, "Annotations": ANNOTATIONS})
    assert admin(server, "caches")["ImageCaches"][0]["Annotations"] == ANNOTATIONS


def test_state_file_keeps_annotations_across_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(build_seconds=0, state_file=state) as first:
        call(first, "CreateImageCache", {**CREATE, "Annotations": ANNOTATIONS})
    with EmulatorServer(state_file=state) as second:
        assert admin(second, "caches")["ImageCaches"][0]["Annotations"] == ANNOTATIONS


def test_state_file_keeps_a_held_build_held_across_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(build_seconds=0, hold_builds=True, state_file=state) as first:
        call(first, "CreateImageCache", CREATE)
    with EmulatorServer(build_seconds=0, state_file=state) as second:
        assert admin(second, "caches")["ImageCaches"][0]["Status"] == "Creating"


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(build_seconds=0, state_file=state) as first:
        cache_id = call(first, "CreateImageCache", {**CREATE, "ClientToken": "t"})["ImageCacheId"]
    with EmulatorServer(build_seconds=0, state_file=state) as second:
        assert call(second, "DescribeImageCaches")["ImageCaches"][0]["ImageCacheId"] == cache_id
        again = call(second, "CreateImageCache", {**CREATE, "ClientToken": "t"})
        assert again["ImageCacheId"] == cache_id


def test_state_file_is_written_after_a_delete(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(build_seconds=0, state_file=state) as first:
        cache_id = call(first, "CreateImageCache", CREATE)["ImageCacheId"]
        call(first, "DeleteImageCache", {"ImageCacheId": cache_id})
    with EmulatorServer(state_file=state) as second:
        assert call(second, "DescribeImageCaches")["TotalCount"] == 0


def test_module_entry_point_announces_its_port_and_serves(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pulumi_eci_cache.emulator",
            "--port",
            "0",
            "--state",
            str(tmp_path / "s.json"),
            "--build-seconds",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("ECI emulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        assert httpx.get(url + signed_path("DescribeImageCaches", {})).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_module_help_documents_the_defaults() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_eci_cache.emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    for default in ("8686", ".eci-emulator-state.json", "emulator-access-key-id", "cn-hangzhou"):
        assert default in result.stdout


def test_module_help_documents_hold_builds_and_how_to_finish_them() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_eci_cache.emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert "--hold-builds" in result.stdout and "/_emulator/builds/finish" in result.stdout
