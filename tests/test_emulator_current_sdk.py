"""Alibaba's current ECI SDK (V3 signatures) against the served emulator.

``alibabacloud-eci20180808`` on ``alibabacloud-tea-openapi`` signs every call with
``ACS3-HMAC-SHA256`` and sends the action in ``x-acs-*`` headers, exactly as it would
to eci.<region>.aliyuncs.com; if the emulator accepts, answers and refuses it as the
service does, its V3 checker is right. The same backend serves the legacy V1 path
(the project's own EciClient), so a cache is visible to both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from alibabacloud_eci20180808 import models
from alibabacloud_eci20180808.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_openapi.utils import Utils

from pulumi_eci_cache.cloud.client import EciClient, static_settings
from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EmulatorServer,
)
from pulumi_eci_cache.emulator.signature_v3 import sign
from tests.support.served_emulator import one_cache, wait_until_settled

NGINX = "docker.io/library/nginx:1.25"
REGION = "cn-hangzhou"
# As a user writes them; the spacing shows the text is kept, not re-serialised.
ANNOTATIONS = '{"team": "web",  "k8s.aliyun.com/eci-xyz":"1"}'


def sdk_client(
    emulator_server: EmulatorServer,
    key_id: str = DEFAULT_ACCESS_KEY_ID,
    secret: str = DEFAULT_ACCESS_KEY_SECRET,
    security_token: str | None = None,
) -> Client:
    config = Config(
        access_key_id=key_id,
        access_key_secret=secret,
        security_token=security_token,
        endpoint=f"127.0.0.1:{emulator_server.port}",
        protocol="http",
        region_id=REGION,
    )
    return Client(config)


@pytest.fixture
def client(emulator_server: EmulatorServer) -> Client:
    return sdk_client(emulator_server)


@pytest.fixture
def legacy(emulator_server: EmulatorServer) -> Iterator[EciClient]:
    settings = static_settings(
        emulator_server.url, REGION, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
    )
    with EciClient(settings) as legacy_client:
        yield legacy_client


def create(client: Client) -> str:
    request = models.CreateImageCacheRequest(
        region_id=REGION,
        image_cache_name="current-sdk",
        image=[NGINX],
        image_cache_size=30,
        tag=[models.CreateImageCacheRequestTag(key="team", value="web ops")],
    )
    cache_id: str = client.create_image_cache(request).body.image_cache_id
    return cache_id


def describe(client: Client, cache_id: str) -> list[dict[str, Any]]:
    request = models.DescribeImageCachesRequest(region_id=REGION, image_cache_id=cache_id)
    caches: list[dict[str, Any]] = client.describe_image_caches(request).body.to_map()[
        "ImageCaches"
    ]
    return caches


def refusal(call: Callable[[], object]) -> ClientException:
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


def test_current_sdk_creates_a_cache_that_becomes_ready(client: Client) -> None:
    cache_id = create(client)
    seen, cache = wait_until_settled(lambda: describe(client, cache_id)[0])
    assert seen[-1] == "Ready" and "Creating" in seen
    assert (cache["Images"], cache["ImageCacheSize"], cache["Tags"]) == (
        [NGINX],
        30,
        [{"Key": "team", "Value": "web ops"}],
    )


def admin_view(emulator_server: EmulatorServer, cache_id: str) -> dict[str, Any]:
    caches = httpx.get(f"{emulator_server.url}/_emulator/caches").json()["ImageCaches"]
    cache: dict[str, Any] = next(c for c in caches if c["ImageCacheId"] == cache_id)
    return cache


def test_current_sdk_annotations_reach_the_admin_view_exactly_as_sent(
    client: Client, emulator_server: EmulatorServer
) -> None:
    request = models.CreateImageCacheRequest(
        region_id=REGION, image_cache_name="annotated", image=[NGINX], annotations=ANNOTATIONS
    )
    cache_id = client.create_image_cache(request).body.image_cache_id
    assert admin_view(emulator_server, cache_id)["Annotations"] == ANNOTATIONS


def test_current_sdk_bad_annotations_are_refused_naming_the_parameter(client: Client) -> None:
    request = models.CreateImageCacheRequest(
        region_id=REGION, image_cache_name="annotated", image=[NGINX], annotations="team=web"
    )
    error = refusal(lambda: client.create_image_cache(request))
    assert (error.status_code, error.code) == (400, "InvalidParameter.Format")
    assert "Annotations" in error.message and "'team=web'" in error.message


def test_current_sdk_booleans_are_taken_as_it_spells_them(client: Client) -> None:
    # The current SDK sends Python's True/False; the service parses them case-insensitively.
    request = models.CreateImageCacheRequest(
        region_id=REGION,
        image_cache_name="flash",
        image=[NGINX],
        flash=True,
        auto_match_image_cache=False,
    )
    cache_id = client.create_image_cache(request).body.image_cache_id
    _, cache = wait_until_settled(lambda: describe(client, cache_id)[0])
    assert cache["FlashSnapshotId"]  # only a Flash cache gets one


def test_current_sdk_updates_a_cache_through_updating_to_ready(client: Client) -> None:
    cache_id = create(client)
    wait_until_settled(lambda: describe(client, cache_id)[0])
    client.update_image_cache(
        models.UpdateImageCacheRequest(
            region_id=REGION, image_cache_id=cache_id, image_cache_size=40
        )
    )
    seen, cache = wait_until_settled(lambda: describe(client, cache_id)[0])
    assert seen == ["Updating", "Ready"] and cache["ImageCacheSize"] == 40


def test_current_sdk_deletes_a_cache(client: Client) -> None:
    cache_id = create(client)
    client.delete_image_cache(
        models.DeleteImageCacheRequest(region_id=REGION, image_cache_id=cache_id)
    )
    assert describe(client, cache_id) == []


def test_current_sdk_with_a_wrong_secret_gets_signature_does_not_match(
    emulator_server: EmulatorServer,
) -> None:
    client = sdk_client(emulator_server, secret="not-the-secret")
    error = refusal(lambda: describe(client, "imc-any"))
    assert (error.status_code, error.code) == (400, "SignatureDoesNotMatch")
    assert error.request_id and error.request_id != "None"


def test_current_sdk_with_an_unknown_key_gets_invalid_access_key_id_not_found(
    emulator_server: EmulatorServer,
) -> None:
    error = refusal(lambda: describe(sdk_client(emulator_server, key_id="someone-else"), "imc-any"))
    assert (error.status_code, error.code) == (404, "InvalidAccessKeyId.NotFound")


def test_current_sdk_gets_the_service_error_code_and_request_id(client: Client) -> None:
    request = models.DeleteImageCacheRequest(region_id=REGION, image_cache_id="imc-doesnotexist")
    error = refusal(lambda: client.delete_image_cache(request))
    assert (error.status_code, error.code) == (404, "InvalidImageCacheId.NotFound")
    assert error.request_id and error.request_id != "None"


def test_current_sdk_with_an_sts_token_is_accepted(emulator_server: EmulatorServer) -> None:
    emulator_server.backend.add_access_key("sts-id", "sts-secret", "sts-token")
    client = sdk_client(emulator_server, "sts-id", "sts-secret", security_token="sts-token")
    assert describe(client, "imc-any") == []


def test_current_sdk_with_a_wrong_sts_token_is_refused(emulator_server: EmulatorServer) -> None:
    emulator_server.backend.add_access_key("sts-id", "sts-secret", "sts-token")
    client = sdk_client(emulator_server, "sts-id", "sts-secret", security_token="another-token")
    error = refusal(lambda: describe(client, "imc-any"))
    assert (error.status_code, error.code) == (400, "InvalidSecurityToken.Mismatch")


def test_cache_created_with_the_current_sdk_is_described_and_deleted_over_v1(
    client: Client, legacy: EciClient
) -> None:
    cache_id = create(client)
    cache = one_cache(legacy, cache_id)
    assert cache is not None and cache["ImageCacheName"] == "current-sdk"
    legacy.delete_image_cache(cache_id)
    assert describe(client, cache_id) == []


def test_cache_created_over_v1_is_described_and_deleted_with_the_current_sdk(
    client: Client, legacy: EciClient
) -> None:
    created = legacy.create_image_cache({"ImageCacheName": "legacy", "Images": [NGINX]})
    assert [c["ImageCacheName"] for c in describe(client, created.image_cache_id)] == ["legacy"]
    client.delete_image_cache(
        models.DeleteImageCacheRequest(region_id=REGION, image_cache_id=created.image_cache_id)
    )
    assert one_cache(legacy, created.image_cache_id) is None


@pytest.mark.parametrize(
    "query",
    [
        {"RegionId": REGION, "Image.1": "registry.example.com/team/app:v1+build"},
        {"Tag.1.Value": "a b*c~d/e=f&g", "ImageCacheName": "", "Zeta": "ünïcode"},
    ],
)
def test_emulator_signs_awkward_requests_as_the_sdks_get_authorization_does(
    query: dict[str, str],
) -> None:
    payload = hashlib.sha256(b"").hexdigest()
    headers = {
        "host": "eci.cn-hangzhou.aliyuncs.com",
        "x-acs-action": "CreateImageCache",
        "x-acs-date": "2027-01-01T00:00:00Z",
        "x-acs-content-sha256": payload,
        "user-agent": " AlibabaCloud (Linux) Python/3 ",
    }
    # get_authorization reads only these four attributes of the SDK's request object.
    request = SimpleNamespace(method="POST", pathname="/", query=query, headers=headers)
    expected = Utils.get_authorization(request, "ACS3-HMAC-SHA256", payload, "id", "secret")
    assert sign("POST", "/?" + urlencode(query), headers, "id", "secret") == expected
