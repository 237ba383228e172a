"""V3 signatures (``ACS3-HMAC-SHA256``) at the emulator, in-process on a fake clock.

Requests are built and signed here without Alibaba's SDK: ``signature_v3.sign`` is
pinned to the SDK by a known answer the SDK computed (and, in
test_emulator_current_sdk.py, by the SDK itself), and every other test changes one
thing of a well-signed request and expects the service's refusal.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from pulumi_eci_cache.emulator import EmulatedEci
from pulumi_eci_cache.emulator.mock import signed_path
from pulumi_eci_cache.emulator.models import iso_time
from pulumi_eci_cache.emulator.signature_v3 import canonical_request, sign
from tests.test_emulator_http import error_code

HOST = "eci.cn-hangzhou.aliyuncs.com"
KEY_ID = "emulator-access-key-id"
SECRET = "emulator-access-key-secret"
CREATE = {"ImageCacheName": "web", "Image.1": "docker.io/library/nginx:1.25"}


def unsigned(
    emu: EmulatedEci,
    action: str,
    params: dict[str, str] | None = None,
    body: bytes = b"",
    **headers: str,
) -> tuple[str, dict[str, str]]:
    """Path and headers of a V3 call dated now on the emulator's clock (``headers``
    use ``_`` for ``-`` and override the defaults)."""
    path = "/?" + urlencode({"RegionId": emu.region_id, **(params or {})})
    defaults = {
        "host": HOST,
        "x-acs-action": action,
        "x-acs-version": "2018-08-08",
        "x-acs-date": iso_time(emu.clock()),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
    }
    return path, {**defaults, **{k.replace("_", "-"): v for k, v in headers.items()}}


def signed(
    path: str, headers: dict[str, str], key_id: str = KEY_ID, secret: str = SECRET
) -> dict[str, str]:
    return {**headers, "Authorization": sign("POST", path, headers, key_id, secret)}


def send(emu: EmulatedEci, path: str, headers: dict[str, str], body: bytes = b"") -> httpx.Response:
    with httpx.Client(base_url=emu.base_url) as client:
        return client.post(path, headers=headers, content=body)


def call(
    emu: EmulatedEci,
    action: str,
    params: dict[str, str] | None = None,
    key_id: str = KEY_ID,
    secret: str = SECRET,
    **headers: str,
) -> httpx.Response:
    """One well-formed V3 call, signed with ``key_id`` / ``secret``."""
    path, wire_headers = unsigned(emu, action, params, **headers)
    return send(emu, path, signed(path, wire_headers, key_id, secret))


# -- the canonicalisation -------------------------------------------------------------

# Computed once by alibabacloud-tea-openapi 0.4.6 (Utils.get_authorization) for this
# request: a known answer that pins the hand-written canonicalisation to the SDK's.
VENDOR_QUERY = {
    "RegionId": "cn-hangzhou",
    "ImageCacheName": "web",
    "Image.1": "docker.io/library/nginx:1.25",
    "Tag.1.Key": "team",
    "Tag.1.Value": "web ops/*",
}
VENDOR_HEADERS = {
    "host": HOST,
    "x-acs-action": "CreateImageCache",
    "x-acs-version": "2018-08-08",
    "x-acs-date": "2027-01-01T00:00:00Z",
    "x-acs-signature-nonce": "3f0c2a1e9b8d4c7a",
    "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
}
VENDOR_AUTHORIZATION = (
    "ACS3-HMAC-SHA256 Credential=emulator-access-key-id,SignedHeaders=host;x-acs-action;"
    "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
    "Signature=2f6436b5506c0ec44e8109376a96a2a39567a60df9059657cb3e2c19ea7da93e"
)


def test_signing_a_known_request_gives_the_vendor_sdks_authorization() -> None:
    path = "/?" + urlencode(VENDOR_QUERY)
    assert sign("POST", path, VENDOR_HEADERS, KEY_ID, SECRET) == VENDOR_AUTHORIZATION


def test_canonical_query_is_sorted_by_name_and_percent_encoded_per_rfc_3986() -> None:
    canonical = canonical_request("POST", "/?b=x+y&a=1%2A~%2F&c=", {}, [], "h")
    assert canonical.split("\n")[2] == "a=1%2A~%2F&b=x%20y&c="


def test_canonical_headers_are_trimmed_lowercase_name_value_lines() -> None:
    headers = {"Host": " eci.example.com ", "X-Acs-Date": "2027-01-01T00:00:00Z"}
    canonical = canonical_request("post", "/", headers, ["host", "x-acs-date"], "h")
    assert canonical == (
        "POST\n/\n\nhost:eci.example.com\nx-acs-date:2027-01-01T00:00:00Z\n\nhost;x-acs-date\nh"
    )


# -- accepted calls -------------------------------------------------------------------


def test_v3_signed_describe_is_answered_in_the_api_shape(eci_emulator: EmulatedEci) -> None:
    response = call(eci_emulator, "DescribeImageCaches")
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"RequestId", "ImageCaches", "TotalCount", "NextToken"}


def test_v3_create_with_parameters_in_a_form_body_is_accepted(eci_emulator: EmulatedEci) -> None:
    body = urlencode(CREATE).encode()
    path, headers = unsigned(
        eci_emulator,
        "CreateImageCache",
        body=body,
        content_type="application/x-www-form-urlencoded",
    )
    response = send(eci_emulator, path, signed(path, headers), body)
    assert response.status_code == 200, response.text
    assert response.json()["ImageCacheId"].startswith("imc-")


def test_v3_and_v1_calls_see_the_same_caches(eci_emulator: EmulatedEci) -> None:
    cache_id = call(eci_emulator, "CreateImageCache", CREATE).json()["ImageCacheId"]
    listing = eci_emulator.call("DescribeImageCaches", {"ImageCacheId": cache_id}).json()
    assert [c["ImageCacheId"] for c in listing["ImageCaches"]] == [cache_id]


def test_legacy_call_that_also_sends_x_acs_action_is_checked_as_v1(
    eci_emulator: EmulatedEci,
) -> None:
    headers = {"x-acs-action": "DescribeImageCaches", "x-acs-version": "2018-08-08"}
    with httpx.Client(base_url=eci_emulator.base_url) as client:
        response = client.get(signed_path("DescribeImageCaches", {}), headers=headers)
    assert response.status_code == 200, response.text


def test_v3_call_is_accepted_after_the_emulated_time_is_advanced(
    eci_emulator: EmulatedEci,
) -> None:
    eci_emulator.backend.advance_clock(7 * 86400)
    assert call(eci_emulator, "DescribeImageCaches").status_code == 200


# -- refusals -------------------------------------------------------------------------


def test_v3_wrong_secret_is_signature_does_not_match(eci_emulator: EmulatedEci) -> None:
    response = call(eci_emulator, "DescribeImageCaches", secret="not-the-secret")
    assert error_code(response) == (400, "SignatureDoesNotMatch")


def test_v3_tampered_query_parameter_is_signature_does_not_match(
    eci_emulator: EmulatedEci,
) -> None:
    path, headers = unsigned(eci_emulator, "DescribeImageCaches", {"Limit": "5"})
    response = send(eci_emulator, path.replace("Limit=5", "Limit=6"), signed(path, headers))
    assert error_code(response) == (400, "SignatureDoesNotMatch")


def test_v3_tampered_signed_header_is_signature_does_not_match(
    eci_emulator: EmulatedEci,
) -> None:
    path, headers = unsigned(eci_emulator, "DescribeImageCaches")
    tampered = {**signed(path, headers), "x-acs-signature-nonce": "another-nonce"}
    assert error_code(send(eci_emulator, path, tampered)) == (400, "SignatureDoesNotMatch")


def test_v3_body_that_is_not_its_x_acs_content_sha256_is_refused_naming_it(
    eci_emulator: EmulatedEci,
) -> None:
    body = urlencode(CREATE).encode()
    path, headers = unsigned(
        eci_emulator, "CreateImageCache", content_type="application/x-www-form-urlencoded"
    )
    response = send(eci_emulator, path, signed(path, headers), body)
    assert error_code(response) == (400, "InvalidParameter.x-acs-content-sha256")
    assert "x-acs-content-sha256" in response.json()["Message"]


def test_v3_unknown_access_key_id_is_404(eci_emulator: EmulatedEci) -> None:
    response = call(eci_emulator, "DescribeImageCaches", key_id="someone-else")
    assert error_code(response) == (404, "InvalidAccessKeyId.NotFound")


@pytest.mark.parametrize("missing", ["x-acs-date", "x-acs-signature-nonce", "x-acs-action"])
def test_v3_call_without_a_required_header_is_missing_parameter(
    eci_emulator: EmulatedEci, missing: str
) -> None:
    path, headers = unsigned(eci_emulator, "DescribeImageCaches")
    del headers[missing]
    response = send(eci_emulator, path, signed(path, headers))
    assert error_code(response) == (400, f"MissingParameter.{missing}")


def test_v3_date_not_in_iso_8601_utc_is_invalid_timestamp_format(
    eci_emulator: EmulatedEci,
) -> None:
    response = call(eci_emulator, "DescribeImageCaches", x_acs_date="2027-01-01 00:00:00")
    assert error_code(response) == (400, "InvalidTimeStamp.Format")


@pytest.mark.parametrize("skew", [-901, 901])
def test_v3_date_more_than_15_minutes_from_the_backend_clock_is_expired(
    eci_emulator: EmulatedEci, skew: int
) -> None:
    date = iso_time(eci_emulator.clock() + skew)
    response = call(eci_emulator, "DescribeImageCaches", x_acs_date=date)
    assert error_code(response) == (400, "InvalidTimeStamp.Expired")


@pytest.mark.parametrize("skew", [-900, 900])
def test_v3_date_within_15_minutes_of_the_backend_clock_is_accepted(
    eci_emulator: EmulatedEci, skew: int
) -> None:
    date = iso_time(eci_emulator.clock() + skew)
    assert call(eci_emulator, "DescribeImageCaches", x_acs_date=date).status_code == 200


def test_v3_call_signed_before_the_clock_moved_16_minutes_is_expired(
    eci_emulator: EmulatedEci,
) -> None:
    path, headers = unsigned(eci_emulator, "DescribeImageCaches")
    eci_emulator.clock.advance(16 * 60)
    response = send(eci_emulator, path, signed(path, headers))
    assert error_code(response) == (400, "InvalidTimeStamp.Expired")


def test_v3_common_header_left_unsigned_is_incomplete_signature(
    eci_emulator: EmulatedEci,
) -> None:
    path, headers = unsigned(eci_emulator, "DescribeImageCaches")
    all_but_date = {name: value for name, value in headers.items() if name != "x-acs-date"}
    authorization = sign("POST", path, all_but_date, KEY_ID, SECRET)
    response = send(eci_emulator, path, {**headers, "Authorization": authorization})
    assert error_code(response) == (400, "IncompleteSignature")
    assert "x-acs-date" in response.json()["Message"]


def test_v3_authorization_without_a_signature_is_incomplete_signature(
    eci_emulator: EmulatedEci,
) -> None:
    path, headers = unsigned(eci_emulator, "DescribeImageCaches")
    authorization = f"ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders=host"
    response = send(eci_emulator, path, {**headers, "Authorization": authorization})
    assert error_code(response) == (400, "IncompleteSignature")


def test_v3_signature_algorithm_other_than_hmac_sha256_is_refused(
    eci_emulator: EmulatedEci,
) -> None:
    path, headers = unsigned(eci_emulator, "DescribeImageCaches")
    authorization = sign("POST", path, headers, KEY_ID, SECRET).replace("HMAC-SHA256", "HMAC-SM3")
    response = send(eci_emulator, path, {**headers, "Authorization": authorization})
    assert error_code(response) == (400, "InvalidParameter.SignatureMethod")


def test_v3_wrong_version_header_is_invalid_version(eci_emulator: EmulatedEci) -> None:
    response = call(eci_emulator, "DescribeImageCaches", x_acs_version="2014-05-26")
    assert error_code(response) == (400, "InvalidVersion")


@pytest.mark.parametrize(
    ("registered", "sent", "expected"),
    [
        ("token-1", {"x_acs_security_token": "token-1"}, (200, "")),
        ("token-1", {"x_acs_security_token": "token-2"}, (400, "InvalidSecurityToken.Mismatch")),
        ("*", {}, (400, "MissingParameter.x-acs-security-token")),
        (None, {"x_acs_security_token": "token-1"}, (400, "InvalidSecurityToken.Mismatch")),
    ],
)
def test_v3_security_token_rules(
    eci_emulator: EmulatedEci,
    registered: str | None,
    sent: dict[str, Any],
    expected: tuple[int, str],
) -> None:
    eci_emulator.backend.add_access_key("sts-id", "sts-secret", registered)
    response = call(eci_emulator, "DescribeImageCaches", None, "sts-id", "sts-secret", **sent)
    code = "" if response.status_code == 200 else error_code(response)[1]
    assert (response.status_code, code) == expected


def test_v3_signature_mismatch_does_not_echo_the_security_token(
    eci_emulator: EmulatedEci,
) -> None:
    eci_emulator.backend.add_access_key("sts-id", "sts-secret", "sts-token-value")
    response = call(
        eci_emulator,
        "DescribeImageCaches",
        key_id="sts-id",
        secret="wrong",
        x_acs_security_token="sts-token-value",
    )
    assert error_code(response) == (400, "SignatureDoesNotMatch")
    assert "sts-token-value" not in response.text


def test_the_emulator_checks_v3_without_importing_the_current_sdk() -> None:
    script = (
        "import sys\n"
        "from pulumi_eci_cache.emulator import EciBackend, EciResponses\n"
        "EciResponses(EciBackend()).handle('POST', '/', {'x-acs-action': 'x'})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('alibabacloud_tea_openapi', 'alibabacloud_eci20180808', 'darabonba', 'Tea')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
