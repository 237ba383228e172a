"""Reads and checks a V3-signed request (``ACS3-HMAC-SHA256``), as the current SDK sends it.

Alibaba's current SDKs (``alibabacloud-eci20180808`` on ``alibabacloud-tea-openapi``)
put the action, version, date, nonce and body hash in ``x-acs-*`` headers and sign
as Alibaba Cloud's "V3 request body and signature mechanism" defines
(https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature):
a canonical request ``METHOD\nURI\nQUERY\nHEADERS\nSIGNED\nHASH`` (query parameters
sorted by name, names and values percent-encoded per RFC 3986; each signed header as
``name:trimmed value\n``, names lowercase and sorted; ``HASH`` the hex SHA-256 of the
body, sent as ``x-acs-content-sha256``), the string to sign ``ACS3-HMAC-SHA256\n``
plus the hex SHA-256 of that, and ``Signature`` the hex HMAC-SHA256 of it under the
key's secret. No library verifies this (the SDK only signs, and the emulator must not
import it at run time), so the canonicalisation is written here by hand against the
spec and pinned to the SDK's ``get_authorization`` by the tests; hashing and parsing
are hashlib, hmac and urllib.parse. ``x-acs-date`` more than 15 minutes away from
the backend's clock is refused; nonces are not remembered (as for V1).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

from .exceptions import (
    IncompleteSignature,
    InvalidParameter,
    InvalidTimeStamp,
    SignatureDoesNotMatch,
)
from .iam import AccessKey
from .params import missing_parameter
from .signature_keys import check_security_token, find_access_key

__all__ = [
    "ALGORITHM",
    "MAX_CLOCK_SKEW_SECONDS",
    "Authorization",
    "canonical_request",
    "is_v3_request",
    "parse_authorization",
    "read_action_and_version",
    "sign",
    "verify_v3_signature",
]

ALGORITHM = "ACS3-HMAC-SHA256"
MAX_CLOCK_SKEW_SECONDS = 15 * 60
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# The spec's common request headers: each must be signed whenever it is sent.
_MUST_SIGN = (
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-security-token",
    "x-acs-signature-nonce",
    "x-acs-version",
)
_REQUIRED = ("x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")


@dataclass(frozen=True)
class Authorization:
    """The parts of an ``Authorization: ACS3-...`` header."""

    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def is_v3_request(headers: Mapping[str, str], param_names: Collection[str]) -> bool:
    """Whether a request is V3 style: an ``ACS3-`` Authorization, or an ``x-acs-action``
    without a V1 ``Signature`` parameter (the legacy SDK sends ``x-acs-action`` too)."""
    lowered = _lower(headers)
    if lowered.get("authorization", "").startswith("ACS3-"):
        return True
    return "x-acs-action" in lowered and "Signature" not in param_names


def read_action_and_version(headers: Mapping[str, str]) -> dict[str, str]:
    """``{"Action", "Version"}`` from ``x-acs-action`` / ``x-acs-version`` (both required)."""
    lowered = _lower(headers)
    for name in ("x-acs-action", "x-acs-version"):
        if not lowered.get(name):
            raise missing_parameter(name)
    return {"Action": lowered["x-acs-action"], "Version": lowered["x-acs-version"]}


def parse_authorization(value: str) -> Authorization:
    """Split ``ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..``."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        # The service also takes ACS3-HMAC-SM3 and ACS3-RSA-SHA256; the emulator does not.
        raise InvalidParameter(
            f"The signature algorithm {algorithm!r} is not supported by the emulator; "
            f"sign with {ALGORITHM}.",
            "SignatureMethod",
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, _, field = part.strip().partition("=")
        fields[name] = field
    for name in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(name):
            raise IncompleteSignature(
                f"The Authorization header has no {name}=; it must read "
                f"'{ALGORITHM} Credential=<AccessKeyId>,SignedHeaders=<a;b>,Signature=<hex>'."
            )
    return Authorization(
        algorithm,
        fields["Credential"],
        tuple(fields["SignedHeaders"].split(";")),
        fields["Signature"],
    )


def _encode(text: str) -> str:
    """RFC 3986 percent-encoding: only ``A-Z a-z 0-9 - _ . ~`` stay as they are."""
    return quote(text, safe="~")


def _canonical_query_string(query: str) -> str:
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{_encode(name)}={_encode(value)}" for name, value in pairs)


def canonical_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    hashed_payload: str,
) -> str:
    """The spec's CanonicalRequest of a request (``signed_headers``: lowercase, sorted)."""
    split = urlsplit(url)
    lowered = _lower(headers)
    canonical_headers = "".join(f"{name}:{lowered[name].strip()}\n" for name in signed_headers)
    return "\n".join(
        [
            method.upper(),
            split.path or "/",
            _canonical_query_string(split.query),
            canonical_headers,
            ";".join(signed_headers),
            hashed_payload,
        ]
    )


def _string_to_sign(canonical: str) -> str:
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def _signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), "sha256").hexdigest()


def sign(method: str, url: str, headers: Mapping[str, str], key_id: str, secret: str) -> str:
    """The ``Authorization`` value signing every one of ``headers`` (which must include
    ``x-acs-content-sha256``), as the SDK does; for tests and hand-written clients."""
    signed = sorted(_lower(headers))
    payload = _lower(headers)["x-acs-content-sha256"]
    signature = _signature(
        secret, _string_to_sign(canonical_request(method, url, headers, signed, payload))
    )
    return f"{ALGORITHM} Credential={key_id},SignedHeaders={';'.join(signed)},Signature={signature}"


def verify_v3_signature(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    access_keys: Mapping[str, AccessKey],
    now: float,
    service_now: float | None = None,
) -> str:
    """Raise unless the request is signed V3 by a known key at about ``now`` (the clock
    ``x-acs-date`` is judged by), not expired at ``service_now`` (the emulated
    service's time; None: not judged); the key id."""
    lowered = _lower(headers)
    if "authorization" not in lowered:
        raise missing_parameter("Authorization")
    authorization = parse_authorization(lowered["authorization"])
    for name in _REQUIRED:
        if not lowered.get(name):
            raise missing_parameter(name)
    _check_date(lowered["x-acs-date"], now)
    _check_signed_headers(authorization.signed_headers, lowered)
    key = find_access_key(access_keys, authorization.access_key_id)
    check_security_token(
        key, lowered.get("x-acs-security-token"), "x-acs-security-token", service_now
    )
    payload = lowered["x-acs-content-sha256"]
    if payload != hashlib.sha256(body).hexdigest():
        # The exact code the service answers for a body that does not match its hash is
        # not documented; InvalidParameter is the closest documented one.
        raise InvalidParameter(
            f"The x-acs-content-sha256 header {payload!r} is not the lowercase hex SHA-256 "
            f"of the {len(body)}-byte request body; hash exactly the bytes sent.",
            "x-acs-content-sha256",
        )
    canonical = canonical_request(method, url, lowered, authorization.signed_headers, payload)
    string_to_sign = _string_to_sign(canonical)
    if not hmac.compare_digest(_signature(key.secret, string_to_sign), authorization.signature):
        # The canonical request is not shown: it may hold the STS token. Its hash is.
        raise SignatureDoesNotMatch(
            "Specified signature is not matched with our calculation; check the "
            f"AccessKeySecret and the V3 signing steps. server string to sign is:{string_to_sign}"
        )
    return authorization.access_key_id


def _epoch(value: str) -> float | None:
    """Seconds since the epoch of ``yyyy-MM-ddTHH:mm:ssZ``; None if it is not one."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value):
        return None
    try:
        return float(calendar.timegm(time.strptime(value, _DATE_FORMAT)))
    except ValueError:  # e.g. month 13
        return None


def _check_date(value: str, now: float) -> None:
    sent = _epoch(value)
    if sent is None:
        raise InvalidTimeStamp(
            f"The x-acs-date {value!r} is not ISO-8601 UTC (yyyy-MM-ddTHH:mm:ssZ).", "Format"
        )
    if abs(sent - now) > MAX_CLOCK_SKEW_SECONDS:
        service_time = time.strftime(_DATE_FORMAT, time.gmtime(now))
        raise InvalidTimeStamp(
            f"The x-acs-date {value} is more than 15 minutes away from the service's time "
            f"{service_time}; set the client's clock right and sign again.",
            "Expired",
        )


def _check_signed_headers(signed: Sequence[str], lowered: Mapping[str, str]) -> None:
    if list(signed) != sorted({name.lower() for name in signed}):
        raise IncompleteSignature(
            f"SignedHeaders {';'.join(signed)!r} must be lowercase header names, sorted, each once."
        )
    for name in signed:
        if name not in lowered:
            raise IncompleteSignature(f"The signed header {name!r} is not in the request.")
    for name in _MUST_SIGN:
        if name in lowered and name not in signed:
            raise IncompleteSignature(
                f"The header {name!r} is sent but not signed; add it to SignedHeaders."
            )
