"""V1 signatures (emulator/signature.py): the documented algorithm, and the vendor's signer."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from aliyunsdkcore.auth.composer import rpc_signature_composer

from pulumi_eci_cache.emulator.exceptions import SignatureDoesNotMatch
from pulumi_eci_cache.emulator.iam import AccessKey
from pulumi_eci_cache.emulator.signature import (
    percent_encode,
    signature,
    string_to_sign,
    verify_signature,
)

# The worked example of Alibaba Cloud's RPC signature documentation (ECS DescribeRegions,
# key secret "testsecret"), in its two published spellings of the timestamp's name.
DOCUMENTED = {
    "Format": "XML",
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Version": "2014-05-26",
    "SignatureVersion": "1.0",
}
DOCUMENTED_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
    "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
    "%26SignatureVersion%3D1.0%26{name}%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
)
KEY_ID, SECRET = "key-id", "key secret*~"


@pytest.mark.parametrize(
    ("timestamp_name", "expected"),
    [("TimeStamp", "CT9X0VtwR86fNWSnsc6v8YGOjuE="), ("Timestamp", "OLeaidS1JvxuMvnyHOwuJ+uX5qY=")],
)
def test_the_documented_example_signs_as_documented(timestamp_name: str, expected: str) -> None:
    params = {**DOCUMENTED, timestamp_name: "2016-02-23T12:46:24Z"}
    text = string_to_sign("GET", params)
    assert text == DOCUMENTED_STRING_TO_SIGN.format(name=timestamp_name)
    assert signature(text, "testsecret") == expected


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("AZaz09-_.~", "AZaz09-_.~"),
        ("a b", "a%20b"),
        ("*", "%2A"),
        ("+", "%2B"),
        ("/", "%2F"),
        ("a=b&c", "a%3Db%26c"),
        ("é", "%C3%A9"),
        ("%", "%25"),
    ],
)
def test_percent_encoding_is_rfc_3986_over_utf_8(raw: str, encoded: str) -> None:
    assert percent_encode(raw) == encoded


def vendor_signing(
    method: str, query: dict[str, str], body: dict[str, str]
) -> tuple[dict[str, str], str]:
    """What the service receives from aliyunsdkcore (public API), query plus form body,
    and the string to sign the vendor's signer made."""
    path, text = rpc_signature_composer.get_signed_url(
        dict(query), KEY_ID, SECRET, "JSON", method, body
    )
    return {**dict(parse_qsl(urlsplit(path).query, keep_blank_values=True)), **body}, text


def vendor_signed(method: str, query: dict[str, str], body: dict[str, str]) -> dict[str, str]:
    return vendor_signing(method, query, body)[0]


AWKWARD = {
    "Action": "DescribeImageCaches",
    "Version": "2018-08-08",
    "RegionId": "cn-hangzhou",
    "ImageCacheName": "a b*c~d+e/f=g&h",
    "Tag.1.Key": "naïve 名前",
    "Tag.1.Value": "",
}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("in_body", [False, True])
def test_a_request_the_vendor_client_signed_is_accepted(method: str, in_body: bool) -> None:
    # In the body: what a POST carries as a form, signed with the query.
    on_url = ("Action", "Version", "RegionId") if in_body else tuple(AWKWARD)
    query = {k: v for k, v in AWKWARD.items() if k in on_url}
    body = {k: v for k, v in AWKWARD.items() if k not in on_url}
    params, vendors_string_to_sign = vendor_signing(method, query, body)
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    assert string_to_sign(method, unsigned) == vendors_string_to_sign
    assert verify_signature(method, params, {KEY_ID: AccessKey(SECRET)}) == KEY_ID


def test_a_wrong_secret_is_refused_showing_the_string_to_sign_without_the_token() -> None:
    params = vendor_signed("GET", {**AWKWARD, "SecurityToken": "secret-token"}, {})
    keys = {KEY_ID: AccessKey("another secret", security_token="secret-token")}
    with pytest.raises(SignatureDoesNotMatch) as refused:
        verify_signature("GET", params, keys)
    message = str(refused.value)
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    expected = string_to_sign("GET", {**unsigned, "SecurityToken": "REDACTED"})
    assert message.endswith(f"server string to sign is:{expected}")
    assert "secret-token" not in message


def test_a_parameter_changed_after_signing_is_refused() -> None:
    params = vendor_signed("GET", dict(AWKWARD), {})
    keys = {KEY_ID: AccessKey(SECRET)}
    with pytest.raises(SignatureDoesNotMatch):
        verify_signature("GET", {**params, "ImageCacheName": "other"}, keys)
    with pytest.raises(SignatureDoesNotMatch):
        verify_signature("POST", params, keys)
