"""EciClient behaviour at the HTTP seam: errors, retries, signing, secrets.

These tests script the service's answers with respx; the round trips against the
emulator's full behaviour are in test_client_emulator.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from pulumi_eci_cache.cloud.client import EciClient, static_settings
from pulumi_eci_cache.errors import ApiError, TransportError
from pulumi_eci_cache.rules.retry import RetryPolicy

ENDPOINT = "https://eci.cn-hangzhou.aliyuncs.com"
SPEC = {"ImageCacheName": "web", "Images": ["docker.io/library/nginx:1.25"]}


def error(status: int, code: str, message: str = "nope") -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "RequestId": "req-1",
            "HostId": "eci",
            "Code": code,
            "Message": message,
            "Recommend": "",
        },
    )


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Iterator[EciClient]:
    settings = static_settings(ENDPOINT, "cn-hangzhou", "key-id", "key-secret", "sts-token")
    with EciClient(
        settings, retry=RetryPolicy(max_attempts=4, base_delay=0.1), sleep=sleeps.append
    ) as c:
        yield c


def query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}


@respx.mock
def test_api_errors_carry_code_message_request_id_and_status(client: EciClient) -> None:
    respx.get(f"{ENDPOINT}/").mock(return_value=error(400, "InvalidParameter.Size", "too big"))
    with pytest.raises(ApiError) as info:
        client.create_image_cache(SPEC)
    err = info.value
    assert (err.code, err.message, err.request_id, err.http_status) == (
        "InvalidParameter.Size",
        "too big",
        "req-1",
        400,
    )
    assert "CreateImageCache failed: InvalidParameter.Size: too big" in str(err)


@respx.mock
def test_throttling_is_retried_until_it_passes(client: EciClient, sleeps: list[float]) -> None:
    route = respx.get(f"{ENDPOINT}/").mock(
        side_effect=[
            error(400, "Throttling.User"),
            error(503, "ServiceUnavailable"),
            httpx.Response(
                200, json={"RequestId": "r", "ImageCacheId": "imc-1", "ContainerGroupId": "eci-1"}
            ),
        ]
    )
    assert client.create_image_cache(SPEC).image_cache_id == "imc-1"
    assert route.call_count == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] / 2


@respx.mock
def test_validation_errors_are_not_retried(client: EciClient, sleeps: list[float]) -> None:
    route = respx.get(f"{ENDPOINT}/").mock(return_value=error(400, "InvalidParameter"))
    with pytest.raises(ApiError):
        client.create_image_cache(SPEC)
    assert route.call_count == 1 and sleeps == []


@respx.mock
def test_retries_stop_at_the_policy_limit(client: EciClient, sleeps: list[float]) -> None:
    route = respx.get(f"{ENDPOINT}/").mock(return_value=error(500, "InternalError"))
    with pytest.raises(ApiError, match="InternalError"):
        client.delete_image_cache("imc-1")
    assert route.call_count == 4 and len(sleeps) == 3


@respx.mock
def test_connection_errors_become_transport_errors_after_retries(client: EciClient) -> None:
    route = respx.get(f"{ENDPOINT}/").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransportError, match="cannot reach") as info:
        client.describe_image_caches()
    assert route.call_count == 4
    assert info.value.unreachable


@respx.mock
def test_an_unreachable_endpoint_is_named_with_the_setting_it_came_from() -> None:
    respx.get("http://127.0.0.1:9/").mock(side_effect=httpx.ConnectError("Connection refused"))
    settings = replace(
        static_settings("http://127.0.0.1:9", "cn-hangzhou", "key-id", "key-secret"),
        endpoint_source="stack config eci-cache:endpoint",
    )
    with EciClient(settings, sleep=lambda _: None) as client, pytest.raises(TransportError) as info:
        client.describe_image_caches()
    message = str(info.value)
    assert message.startswith(
        "DescribeImageCaches: cannot reach the ECI endpoint http://127.0.0.1:9 "
        "(set by stack config eci-cache:endpoint) after 8 attempts"
    )
    assert "Connection refused" in message and "set eci-cache:endpoint" in message


@respx.mock
def test_an_endpoint_that_never_answers_is_given_up_within_the_transport_deadline() -> None:
    now = [0.0]

    def silent(request: httpx.Request) -> httpx.Response:
        now[0] += 5.0  # each attempt waits for its connect timeout
        raise httpx.ConnectTimeout("timed out", request=request)

    route = respx.get(f"{ENDPOINT}/").mock(side_effect=silent)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    settings = static_settings(ENDPOINT, "cn-hangzhou", "key-id", "key-secret")
    policy = RetryPolicy(max_attempts=100, max_transport_seconds=60.0)
    client = EciClient(settings, retry=policy, sleep=sleep, clock=lambda: now[0])
    with client, pytest.raises(TransportError):
        client.describe_image_caches()
    assert now[0] <= 65.0  # the last attempt starts before 60 s and times out at most 5 s later
    assert route.call_count >= 4


@respx.mock
def test_every_retry_of_an_unanswered_call_is_reported_in_one_line() -> None:
    respx.get(f"{ENDPOINT}/").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.ConnectError("refused"), error(400, "X")]
    )
    lines: list[str] = []
    settings = static_settings(ENDPOINT, "cn-hangzhou", "key-id", "key-secret")
    client = EciClient(settings, sleep=lambda _: None, on_retry=lines.append)
    with client, pytest.raises(ApiError):
        client.describe_image_caches()
    assert len(lines) == 2
    assert all(line.startswith("DescribeImageCaches: cannot reach ") for line in lines)
    assert all("\n" not in line and "retrying in" in line for line in lines)


@respx.mock
def test_throttling_retries_are_not_reported() -> None:
    respx.get(f"{ENDPOINT}/").mock(
        side_effect=[error(400, "Throttling.User"), httpx.Response(200, json={"RequestId": "r"})]
    )
    lines: list[str] = []
    settings = static_settings(ENDPOINT, "cn-hangzhou", "key-id", "key-secret")
    with EciClient(settings, sleep=lambda _: None, on_retry=lines.append) as quiet:
        quiet.delete_image_cache("imc-1")
    assert lines == []


@respx.mock
def test_a_retried_create_reuses_its_client_token(client: EciClient) -> None:
    route = respx.get(f"{ENDPOINT}/").mock(
        side_effect=[
            httpx.RemoteProtocolError("connection dropped"),
            httpx.Response(
                200, json={"RequestId": "r", "ImageCacheId": "imc-1", "ContainerGroupId": "eci-1"}
            ),
        ]
    )
    client.create_image_cache(SPEC)
    tokens = {query(call.request)["ClientToken"] for call in route.calls}
    assert len(tokens) == 1


@respx.mock
def test_each_attempt_is_signed_afresh(client: EciClient) -> None:
    route = respx.get(f"{ENDPOINT}/").mock(
        side_effect=[
            error(503, "ServiceUnavailable"),
            httpx.Response(200, json={"RequestId": "r", "ImageCaches": []}),
        ]
    )
    client.describe_image_caches()
    first, second = (query(call.request) for call in route.calls)
    assert first["SignatureNonce"] != second["SignatureNonce"]
    for params in (first, second):
        assert params["AccessKeyId"] == "key-id"
        assert params["SecurityToken"] == "sts-token"
        assert params["SignatureMethod"] == "HMAC-SHA1" and params["Signature"]


@respx.mock
def test_requests_carry_action_version_region_and_format(client: EciClient) -> None:
    route = respx.get(f"{ENDPOINT}/").mock(
        return_value=httpx.Response(200, json={"RequestId": "r", "ImageCaches": []})
    )
    client.describe_image_caches()
    params = query(route.calls[0].request)
    assert (params["Action"], params["Version"], params["RegionId"], params["Format"]) == (
        "DescribeImageCaches",
        "2018-08-08",
        "cn-hangzhou",
        "JSON",
    )


@respx.mock
def test_a_password_echoed_by_the_service_is_scrubbed(client: EciClient) -> None:
    respx.get(f"{ENDPOINT}/").mock(
        return_value=error(400, "InvalidParameter", "bad password hunter2-secret")
    )
    spec = {
        **SPEC,
        "ImageRegistryCredentials": [
            {"Server": "r.example.com", "UserName": "u", "Password": "hunter2-secret"}
        ],
    }
    with pytest.raises(ApiError) as info:
        client.create_image_cache(spec)
    assert "hunter2-secret" not in str(info.value)
    assert "<redacted>" in str(info.value)


@respx.mock
def test_the_access_key_secret_never_travels_on_the_wire(client: EciClient) -> None:
    route = respx.get(f"{ENDPOINT}/").mock(
        return_value=httpx.Response(200, json={"RequestId": "r", "ImageCaches": []})
    )
    client.describe_image_caches()
    assert "key-secret" not in str(route.calls[0].request.url)


@respx.mock
def test_describe_follows_next_token_to_the_last_page(client: EciClient) -> None:
    route = respx.get(f"{ENDPOINT}/").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "RequestId": "r",
                    "NextToken": "p2",
                    "ImageCaches": [{"ImageCacheId": "imc-1"}],
                },
            ),
            httpx.Response(
                200,
                json={
                    "RequestId": "r",
                    "NextToken": "",
                    "ImageCaches": [{"ImageCacheId": "imc-2"}],
                },
            ),
        ]
    )
    assert [c["ImageCacheId"] for c in client.describe_image_caches()] == ["imc-1", "imc-2"]
    assert query(route.calls[1].request)["NextToken"] == "p2"


@respx.mock
def test_transport_errors_never_echo_the_security_token(client: EciClient) -> None:
    respx.get(f"{ENDPOINT}/").mock(
        side_effect=httpx.ConnectError("failed for /?SecurityToken=sts-token&x=key-secret")
    )
    with pytest.raises(TransportError) as info:
        client.describe_image_caches()
    assert "sts-token" not in str(info.value) and "key-secret" not in str(info.value)


@respx.mock
def test_an_answer_that_is_not_the_eci_apis_says_to_check_the_endpoint(client: EciClient) -> None:
    respx.get(f"{ENDPOINT}/").mock(return_value=httpx.Response(404, text="<html>no</html>"))
    with pytest.raises(ApiError) as info:
        client.describe_image_caches()
    assert info.value.code == "HTTP404"
    assert f"{ENDPOINT} (set by the settings given) answered 404 Not Found" in str(info.value)
    assert "check that it is an ECI endpoint" in str(info.value)
