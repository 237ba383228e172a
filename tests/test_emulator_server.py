"""The served emulator: real sockets, admin endpoints, state file, the CLI entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_eci_cache.emulator import EmulatorServer
from pulumi_eci_cache.emulator.mock import signed_path

CREATE = {"ImageCacheName": "web", "Image.1": "nginx:1.25"}


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(build_seconds=0) as served:
        yield served


def call(server: EmulatorServer, action: str, params: dict[str, Any] | None = None) -> Any:
    response = httpx.get(server.url + signed_path(action, params or {}))
    assert response.status_code == 200, response.text
    return response.json()


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
    assert admin(server, "calls") == {"calls": {"DescribeImageCaches": 1}}


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
