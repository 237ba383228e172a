"""The plugin's functions: the lookups, run by the provider with its own settings."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EmulatorServer,
)
from tests.support.faces import PluginFace, start_face


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(build_seconds=0) as server:
        for name, images in (("web", ["nginx:1.25"]), ("jobs", ["redis:7.2"])):
            server.backend.create_image_cache(
                "cn-hangzhou", {"ImageCacheName": name, "Images": images}
            )
        yield server


@pytest.fixture
def plugin(emulator: EmulatorServer) -> Iterator[PluginFace]:
    env = {
        "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
    }
    face = start_face("plugin", env, {"endpoint": emulator.url})
    assert isinstance(face, PluginFace)
    yield face
    face.close()


def test_get_image_caches_filters_by_image_canonically(plugin: PluginFace) -> None:
    result, failures = plugin.invoke(
        "ecicache:index:getImageCaches", {"image": "docker.io/library/nginx:1.25"}
    )
    assert failures == []
    assert result["names"] == ["web"]
    assert result["caches"][0]["imageCacheName"] == "web"
    assert result["caches"][0]["status"] == "Ready"


def test_rank_image_caches_puts_the_best_match_first(plugin: PluginFace) -> None:
    result, failures = plugin.invoke(
        "ecicache:index:rankImageCaches", {"images": ["redis:7.2"], "perfectMatch": True}
    )
    assert failures == []
    assert [m["imageCacheName"] for m in result["items"]] == ["jobs"]


def test_a_bad_argument_is_a_failure_naming_it(plugin: PluginFace) -> None:
    _, failures = plugin.invoke("ecicache:index:getImageCaches", {"status": "Done"})
    assert len(failures) == 1 and "status = 'Done'" in failures[0]


def test_an_unknown_function_names_the_ones_there_are(plugin: PluginFace) -> None:
    with pytest.raises(grpc.RpcError) as info:
        plugin.invoke("ecicache:index:getCaches", {})
    assert "ecicache:index:getImageCaches" in str(info.value.details())
