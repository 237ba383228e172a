"""The emulator's one handler over httpx (respx mount): wire shapes, signatures, faults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from aliyunsdkcore.auth.composer import rpc_signature_composer

from pulumi_eci_cache.emulator import EmulatedEci, EmulatorResponse
from pulumi_eci_cache.emulator.mock import signed_path

CREATE = {"ImageCacheName": "web", "Image.1": "nginx:1.25"}
ERROR_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}


def create(emu: EciEmu, **extra: Any) -> httpx.Response:
    return emu.call("CreateImageCache", {**CREATE, **extra})


def describe(emu: EciEmu, **filters: Any) -> dict[str, Any]:
    response = emu.call("DescribeImageCaches", filters)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def error_code(response: httpx.Response | EmulatorResponse) -> tuple[int, str]:
    status = response.status_code if isinstance(response, httpx.Response) else response.status
    body = response.json()
    assert set(body) == ERROR_KEYS
    return status, body["Code"]


EciEmu = EmulatedEci
NEW_YEAR = "Fri, 01 Jan 2027 00:00:00 GMT"  # where the fixture's FakeClock starts
ANNOTATIONS = '{"team":"web","k8s.aliyun.com/eci-xyz":"1"}'


def admin(emu: EciEmu, method: str, path: str, body: Any = None) -> httpx.Response:
    with httpx.Client(base_url=emu.base_url) as client:
        return client.request(method, f"/_emulator/{path}", json=body)


def throttled(emu: EciEmu) -> httpx.Response:
    emu.backend.faults.throttle(qps=1, burst=0)
    return emu.call("DescribeImageCaches")


def forced_error(emu: EciEmu) -> httpx.Response:
    emu.backend.faults.force("DescribeImageCaches")
    return emu.call("DescribeImageCaches")


def test_create_answers_the_cache_and_container_group_ids(eci_emulator: EciEmu) -> None:
    body = create(eci_emulator).json()
    assert set(body) == {"RequestId", "ImageCacheId", "ContainerGroupId"}
    assert body["ImageCacheId"].startswith("imc-")


def test_describe_answers_the_api_shape_of_a_cache(eci_emulator: EciEmu) -> None:
    cache_id = create(eci_emulator).json()["ImageCacheId"]
    body = describe(eci_emulator, ImageCacheId=cache_id)
    assert set(body) == {"RequestId", "ImageCaches", "TotalCount", "NextToken"}
    assert body["TotalCount"] == 1 and body["NextToken"] == ""
    assert set(body["ImageCaches"][0]) == {
        "ImageCacheId",
        "ImageCacheName",
        "Status",
        "Progress",
        "Events",
        "Images",
        "ImageCacheSize",
        "SnapshotId",
        "FlashSnapshotId",
        "ContainerGroupId",
        "CreationTime",
        "ExpireDateTime",
        "LastMatchedTime",
        "RegionId",
        "ResourceGroupId",
        "Tags",
        "EliminationStrategy",
    }


def test_describe_of_an_unknown_id_is_an_empty_list(eci_emulator: EciEmu) -> None:
    assert describe(eci_emulator, ImageCacheId="imc-unknown")["ImageCaches"] == []


def test_cache_goes_ready_as_the_fake_clock_advances(eci_emulator: EciEmu) -> None:
    cache_id = create(eci_emulator).json()["ImageCacheId"]
    eci_emulator.clock.advance(6)
    assert describe(eci_emulator, ImageCacheId=cache_id)["ImageCaches"][0]["Status"] == "Ready"


def test_update_and_delete_answer_only_a_request_id(eci_emulator: EciEmu) -> None:
    cache_id = create(eci_emulator).json()["ImageCacheId"]
    eci_emulator.clock.advance(6)
    updated = eci_emulator.call(
        "UpdateImageCache", {"ImageCacheId": cache_id, "ImageCacheSize": "30"}
    )
    eci_emulator.clock.advance(6)
    deleted = eci_emulator.call("DeleteImageCache", {"ImageCacheId": cache_id})
    assert set(updated.json()) == set(deleted.json()) == {"RequestId"}


def test_update_while_creating_is_403_incorrect_status(eci_emulator: EciEmu) -> None:
    cache_id = create(eci_emulator).json()["ImageCacheId"]
    response = eci_emulator.call("UpdateImageCache", {"ImageCacheId": cache_id})
    assert error_code(response) == (403, "IncorrectImageCacheStatus")


def test_delete_of_an_unknown_id_is_404(eci_emulator: EciEmu) -> None:
    response = eci_emulator.call("DeleteImageCache", {"ImageCacheId": "imc-nope"})
    assert error_code(response) == (404, "InvalidImageCacheId.NotFound")


def test_invalid_parameter_is_400_in_the_error_shape(eci_emulator: EciEmu) -> None:
    response = create(eci_emulator, ImageCacheSize="10")
    assert error_code(response) == (400, "InvalidParameter.OutOfRange")
    assert "ImageCacheSize" in response.json()["Message"]


def test_client_token_reused_with_other_parameters_is_400(eci_emulator: EciEmu) -> None:
    create(eci_emulator, ClientToken="tok")
    response = create(eci_emulator, ClientToken="tok", ImageCacheSize="30")
    assert error_code(response) == (400, "IdempotentParameterMismatch")


def test_unknown_action_is_404(eci_emulator: EciEmu) -> None:
    response = eci_emulator.call("CreateContainerGroup")
    assert error_code(response) == (404, "InvalidAction.NotFound")


def test_wrong_version_is_refused(eci_emulator: EciEmu) -> None:
    response = eci_emulator.call("DescribeImageCaches", {"Version": "2014-05-26"})
    assert error_code(response) == (400, "InvalidVersion")


def test_post_with_parameters_in_a_signed_form_body_is_accepted(eci_emulator: EciEmu) -> None:
    path, _ = rpc_signature_composer.get_signed_url(
        {"Action": "CreateImageCache", "Version": "2018-08-08", "RegionId": "cn-hangzhou"},
        eci_emulator.access_key_id,
        eci_emulator.access_key_secret,
        "JSON",
        "POST",
        CREATE,
    )
    with httpx.Client(base_url=eci_emulator.base_url) as client:
        response = client.post(path, data=CREATE)
    assert response.status_code == 200, response.text


def test_post_with_parameters_in_the_query_is_accepted(eci_emulator: EciEmu) -> None:
    assert eci_emulator.call("DescribeImageCaches", method="POST").status_code == 200


def test_duplicated_parameter_is_refused(eci_emulator: EciEmu) -> None:
    path = signed_path("DescribeImageCaches", {})
    with httpx.Client(base_url=eci_emulator.base_url) as client:
        response = client.get(path + "&Limit=1&Limit=2")
    assert error_code(response) == (400, "InvalidParameter.Duplicate")


# -- signatures ---------------------------------------------------------------------


def test_wrong_secret_is_signature_does_not_match(eci_emulator: EciEmu) -> None:
    response = eci_emulator.call("DescribeImageCaches", secret="not-the-secret")
    assert error_code(response) == (400, "SignatureDoesNotMatch")


def test_tampered_parameter_is_signature_does_not_match(eci_emulator: EciEmu) -> None:
    path = signed_path("DescribeImageCaches", {"Limit": "5"}).replace("Limit=5", "Limit=6")
    with httpx.Client(base_url=eci_emulator.base_url) as client:
        assert error_code(client.get(path)) == (400, "SignatureDoesNotMatch")


def test_signature_over_another_method_does_not_match(eci_emulator: EciEmu) -> None:
    path = signed_path("DescribeImageCaches", {}, method="GET")
    with httpx.Client(base_url=eci_emulator.base_url) as client:
        assert error_code(client.post(path)) == (400, "SignatureDoesNotMatch")


def test_unknown_access_key_id_is_404(eci_emulator: EciEmu) -> None:
    response = eci_emulator.call("DescribeImageCaches", key_id="someone-else")
    assert error_code(response) == (404, "InvalidAccessKeyId.NotFound")


def test_unsigned_request_is_missing_the_signature(eci_emulator: EciEmu) -> None:
    with httpx.Client(base_url=eci_emulator.base_url) as client:
        response = client.get("/?Action=DescribeImageCaches&Version=2018-08-08")
    assert error_code(response) == (400, "MissingParameter.AccessKeyId")


@pytest.mark.parametrize(
    ("registered", "sent", "expected"),
    [
        ("token-1", {"SecurityToken": "token-1"}, (200, "")),
        ("token-1", {"SecurityToken": "token-2"}, (400, "InvalidSecurityToken.Mismatch")),
        ("*", {"SecurityToken": "anything"}, (200, "")),
        ("*", {}, (400, "MissingParameter.SecurityToken")),
    ],
)
def test_sts_key_security_token_rules(
    eci_emulator: EciEmu, registered: str, sent: dict[str, str], expected: tuple[int, str]
) -> None:
    eci_emulator.backend.add_access_key("sts-id", "sts-secret", registered)
    response = eci_emulator.call("DescribeImageCaches", sent, key_id="sts-id", secret="sts-secret")
    code = "" if response.status_code == 200 else error_code(response)[1]
    assert (response.status_code, code) == expected


def test_long_term_key_refuses_a_security_token(eci_emulator: EciEmu) -> None:
    response = eci_emulator.call("DescribeImageCaches", {"SecurityToken": "t"})
    assert error_code(response) == (400, "InvalidSecurityToken.Mismatch")


def test_signature_mismatch_message_redacts_the_security_token(eci_emulator: EciEmu) -> None:
    eci_emulator.backend.add_access_key("sts-id", "sts-secret", "sts-token-value")
    response = eci_emulator.call(
        "DescribeImageCaches", {"SecurityToken": "sts-token-value"}, key_id="sts-id", secret="x"
    )
    assert error_code(response) == (400, "SignatureDoesNotMatch")
    assert "server string to sign" in response.json()["Message"]
    assert "sts-token-value" not in response.text


# -- faults -------------------------------------------------------------------------


def test_calls_are_counted_per_action(eci_emulator: EciEmu) -> None:
    create(eci_emulator)
    describe(eci_emulator)
    describe(eci_emulator)
    assert eci_emulator.backend.call_counts == {"CreateImageCache": 1, "DescribeImageCaches": 2}


def test_throttling_answers_throttling_user_beyond_the_burst(eci_emulator: EciEmu) -> None:
    eci_emulator.backend.faults.throttle(qps=1, burst=2)
    codes = [eci_emulator.call("DescribeImageCaches").status_code for _ in range(3)]
    assert codes == [200, 200, 400]
    assert error_code(eci_emulator.call("DescribeImageCaches"))[1] == "Throttling.User"


def test_throttling_refills_with_time(eci_emulator: EciEmu) -> None:
    eci_emulator.backend.faults.throttle(qps=1, burst=1)
    eci_emulator.call("DescribeImageCaches")
    eci_emulator.clock.advance(1)
    assert eci_emulator.call("DescribeImageCaches").status_code == 200


def test_forced_error_answers_the_next_calls_of_that_action(eci_emulator: EciEmu) -> None:
    eci_emulator.backend.faults.force("CreateImageCache", count=2)
    statuses = [create(eci_emulator).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert len(eci_emulator.backend.all_caches()) == 1


def test_forced_error_leaves_other_actions_alone(eci_emulator: EciEmu) -> None:
    eci_emulator.backend.faults.force("CreateImageCache", code="InternalError", http_status=500)
    assert eci_emulator.call("DescribeImageCaches").status_code == 200
    assert error_code(create(eci_emulator)) == (500, "InternalError")


def test_dropped_connection_raises_remote_protocol_error(eci_emulator: EciEmu) -> None:
    eci_emulator.backend.faults.force("CreateImageCache", kind="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        create(eci_emulator)
    assert eci_emulator.backend.all_caches() == []


def test_response_lost_after_create_still_creates_the_cache(eci_emulator: EciEmu) -> None:
    eci_emulator.backend.faults.force("CreateImageCache", kind="drop", after_success=True)
    with pytest.raises(httpx.RemoteProtocolError):
        create(eci_emulator, ClientToken="retry-me")
    assert len(eci_emulator.backend.all_caches()) == 1
    assert create(eci_emulator, ClientToken="retry-me").status_code == 200
    assert len(eci_emulator.backend.all_caches()) == 1


def test_error_after_create_still_creates_the_cache(eci_emulator: EciEmu) -> None:
    eci_emulator.backend.faults.force(
        "CreateImageCache", after_success=True, code="InternalError", http_status=500
    )
    assert create(eci_emulator).status_code == 500
    assert len(eci_emulator.backend.all_caches()) == 1


def test_new_cache_is_invisible_to_describe_for_n_polls(eci_emulator: EciEmu) -> None:
    eci_emulator.backend.faults.invisible_polls = 2
    cache_id = create(eci_emulator).json()["ImageCacheId"]
    counts = [describe(eci_emulator, ImageCacheId=cache_id)["TotalCount"] for _ in range(3)]
    assert counts == [0, 0, 1]


def test_admin_endpoints_are_mounted_in_process_too(eci_emulator: EciEmu) -> None:
    with httpx.Client(base_url=eci_emulator.base_url) as client:
        client.post("/_emulator/faults", json={"force": [{"action": "DescribeImageCaches"}]})
        assert eci_emulator.call("DescribeImageCaches").status_code == 503
        assert client.get("/_emulator/calls").json()["calls"] == {"DescribeImageCaches": 1}


@pytest.mark.parametrize(
    "answer",
    [
        lambda emu: emu.call("DescribeImageCaches"),
        lambda emu: create(emu, ImageCacheSize="1"),
        throttled,
        forced_error,
        lambda emu: admin(emu, "GET", "calls"),
        lambda emu: admin(emu, "GET", "nothing"),
    ],
    ids=["rpc", "rpc-error", "throttled", "forced-error", "admin", "admin-404"],
)
def test_every_answer_carries_the_backends_date_not_the_machines(
    eci_emulator: EciEmu, answer: Callable[[EciEmu], httpx.Response]
) -> None:
    assert answer(eci_emulator).headers["Date"] == NEW_YEAR


def test_date_header_moves_with_the_emulator_clock(eci_emulator: EciEmu) -> None:
    before = parsedate_to_datetime(eci_emulator.call("DescribeImageCaches").headers["Date"])
    admin(eci_emulator, "POST", "clock", {"advance": 2 * 86400})
    after = parsedate_to_datetime(eci_emulator.call("DescribeImageCaches").headers["Date"])
    assert after - before == timedelta(days=2)


def test_describe_does_not_answer_the_annotations_it_was_created_with(
    eci_emulator: EciEmu,
) -> None:
    cache_id = create(eci_emulator, Annotations=ANNOTATIONS).json()["ImageCacheId"]
    assert "Annotations" not in describe(eci_emulator, ImageCacheId=cache_id)["ImageCaches"][0]


def test_update_with_annotations_is_400_unsupported(eci_emulator: EciEmu) -> None:
    cache_id = create(eci_emulator).json()["ImageCacheId"]
    eci_emulator.clock.advance(6)
    response = eci_emulator.call(
        "UpdateImageCache", {"ImageCacheId": cache_id, "Annotations": ANNOTATIONS}
    )
    assert error_code(response) == (400, "InvalidParameter.Unsupported")


def test_admin_builds_finish_is_mounted_in_process_too(eci_emulator: EciEmu) -> None:
    cache_id = create(eci_emulator).json()["ImageCacheId"]
    assert admin(eci_emulator, "POST", "builds/finish", {}).json() == {"ImageCacheIds": [cache_id]}
    assert describe(eci_emulator, ImageCacheId=cache_id)["ImageCaches"][0]["Status"] == "Ready"
