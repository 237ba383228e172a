"""The wire format, proven with the vendor's own SDK against the served emulator.

aliyunsdkcore's AcsClient signs and sends the aliyunsdkeci request classes exactly
as it would to eci.<region>.aliyuncs.com; if the emulator accepts and answers them,
its wire format (names, signature, JSON shapes) is the real one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import RpcRequest
from aliyunsdkeci.request.v20180808.CreateImageCacheRequest import CreateImageCacheRequest
from aliyunsdkeci.request.v20180808.DeleteImageCacheRequest import DeleteImageCacheRequest
from aliyunsdkeci.request.v20180808.DescribeImageCachesRequest import (
    DescribeImageCachesRequest,
)
from aliyunsdkeci.request.v20180808.UpdateImageCacheRequest import UpdateImageCacheRequest

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EmulatorServer,
)
from tests.support.served_emulator import wait_until_settled

NGINX = "docker.io/library/nginx:1.25"
BROKEN = "registry.example.com/team/missing:1"


@pytest.fixture
def send(emulator_server: EmulatorServer) -> Callable[[RpcRequest], dict[str, Any]]:
    client = AcsClient(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, "cn-hangzhou")

    def send(request: RpcRequest) -> dict[str, Any]:
        request.set_endpoint(f"127.0.0.1:{emulator_server.port}")
        request.set_protocol_type("http")
        result: dict[str, Any] = json.loads(client.do_action_with_exception(request))
        return result

    return send


def describe(send: Callable[[RpcRequest], dict[str, Any]], cache_id: str) -> dict[str, Any]:
    request = DescribeImageCachesRequest()
    request.set_ImageCacheId(cache_id)
    caches = send(request)["ImageCaches"]
    assert len(caches) == 1
    cache: dict[str, Any] = caches[0]
    return cache


def create(send: Callable[[RpcRequest], dict[str, Any]], *images: str) -> str:
    request = CreateImageCacheRequest()
    request.set_ImageCacheName("vendor-web")
    request.set_Images(list(images))
    request.set_ImageCacheSize(30)
    request.set_Tags([{"Key": "team", "Value": "web"}])
    request.set_ClientToken(f"vendor-{time.monotonic_ns()}")
    cache_id: str = send(request)["ImageCacheId"]
    return cache_id


def test_vendor_client_creates_a_cache_that_becomes_ready(send: Any) -> None:
    cache_id = create(send, NGINX)
    seen, cache = wait_until_settled(lambda: describe(send, cache_id))
    assert seen[-1] == "Ready" and "Creating" in seen
    assert (cache["Images"], cache["ImageCacheSize"], cache["Tags"]) == (
        [NGINX],
        30,
        [{"Key": "team", "Value": "web"}],
    )


def test_vendor_client_updates_a_cache_through_updating_to_ready(send: Any) -> None:
    cache_id = create(send, NGINX)
    wait_until_settled(lambda: describe(send, cache_id))
    request = UpdateImageCacheRequest()
    request.set_ImageCacheId(cache_id)
    request.set_ImageCacheSize(40)
    send(request)
    seen, cache = wait_until_settled(lambda: describe(send, cache_id))
    assert seen == ["Updating", "Ready"] and cache["ImageCacheSize"] == 40


def test_vendor_client_sees_a_failed_build_with_its_events(
    send: Any, emulator_server: EmulatorServer
) -> None:
    emulator_server.backend.set_unpullable_images([BROKEN])
    cache_id = create(send, NGINX, BROKEN)
    _, cache = wait_until_settled(lambda: describe(send, cache_id))
    warnings = [e for e in cache["Events"] if e["Type"] == "Warning"]
    assert cache["Status"] == "Failed"
    assert any(BROKEN in e["Message"] for e in warnings)


def test_vendor_client_deletes_a_cache(send: Any) -> None:
    cache_id = create(send, NGINX)
    request = DeleteImageCacheRequest()
    request.set_ImageCacheId(cache_id)
    send(request)
    listing = DescribeImageCachesRequest()
    listing.set_ImageCacheId(cache_id)
    assert send(listing)["ImageCaches"] == []


def test_vendor_client_gets_the_service_error_code(send: Any) -> None:
    request = DeleteImageCacheRequest()
    request.set_ImageCacheId("imc-doesnotexist")
    with pytest.raises(ServerException) as caught:
        send(request)
    assert (caught.value.get_http_status(), caught.value.get_error_code()) == (
        404,
        "InvalidImageCacheId.NotFound",
    )


def test_vendor_sdk_acr_domain_defect_is_refused(send: Any) -> None:
    request = CreateImageCacheRequest()
    request.set_ImageCacheName("vendor-acr")
    request.set_Images([NGINX])
    request.set_AcrRegistryInfos([{"InstanceId": "cri-1", "Domains": ["a.example.com"]}])
    with pytest.raises(ServerException) as caught:
        send(request)
    assert caught.value.get_error_code() == "InvalidParameter.Unsupported"
    assert "AcrRegistryInfo.1Domain.1" in caught.value.get_error_msg()
