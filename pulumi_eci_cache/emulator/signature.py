"""Checks an RPC request's signature (version 1.0) the way the service does.

A signing bug is the kind of mistake that only shows up against the real endpoint,
so the emulator recomputes every signature and refuses a mismatch with
``SignatureDoesNotMatch`` (its message shows the server's string to sign, as the
service does, with any ``SecurityToken`` in it redacted). The algorithm is written
here from Alibaba Cloud's documentation of RPC signature version 1.0, not borrowed
from an SDK (the emulator is the oracle the signers are tested against; tests sign
with the vendor's legacy client and its current SDK):

1. every parameter but ``Signature`` (the query, and for a POST the form body too),
   sorted by name;
2. names and values percent-encoded as RFC 3986 says, over their UTF-8 bytes: only
   ``A-Z a-z 0-9 - _ . ~`` stay as they are, everything else is ``%XX`` (upper-case
   hex), so a space is ``%20`` and ``*`` is ``%2A``;
3. the canonicalized query: ``name=value`` pairs joined with ``&``;
4. StringToSign = METHOD ``&`` percentEncode("/") ``&`` percentEncode(canonicalized query);
5. the signature: base64 of HMAC-SHA1 over StringToSign, keyed with the secret + ``&``.

Key lookup and the STS token rules (expiry included) are ``signature_keys``'s,
shared with the V3 checker. Timestamps are checked for format only (not for age), and
nonces are not remembered: tests run on fake clocks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping

from .exceptions import InvalidParameter, InvalidTimeStamp, SignatureDoesNotMatch
from .iam import AccessKey
from .params import missing_parameter
from .signature_keys import check_security_token, find_access_key

__all__ = ["percent_encode", "signature", "string_to_sign", "verify_signature"]

SIGNATURE_METHOD = "HMAC-SHA1"
SIGNATURE_VERSION = "1.0"
# RFC 3986's unreserved characters: the only ones a percent-encoding leaves alone.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")

_SIGNED_WITH = (
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
)


def percent_encode(text: str) -> str:
    """RFC 3986 percent-encoding of ``text``'s UTF-8 bytes (unreserved bytes kept)."""
    return "".join(
        chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in text.encode("utf-8")
    )


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """The StringToSign of ``params`` (``Signature`` already left out) sent with ``method``."""
    canonical = "&".join(
        f"{percent_encode(name)}={percent_encode(params[name])}" for name in sorted(params)
    )
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def signature(text: str, secret: str) -> str:
    """base64(HMAC-SHA1(secret + "&", ``text``))."""
    digest = hmac.new(f"{secret}&".encode(), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _require(params: Mapping[str, str], name: str) -> str:
    if name not in params:
        raise missing_parameter(name)
    return params[name]


def verify_signature(
    method: str,
    params: Mapping[str, str],
    access_keys: Mapping[str, AccessKey],
    service_now: float | None = None,
) -> str:
    """Raise unless ``params`` (query plus form body) are signed by a known key, not
    expired at ``service_now`` (None: not judged); the key id."""
    for name in _SIGNED_WITH:
        _require(params, name)
    if params["SignatureMethod"] != SIGNATURE_METHOD:
        raise InvalidParameter(
            f"The SignatureMethod {params['SignatureMethod']!r} is not supported; use HMAC-SHA1.",
            "SignatureMethod",
        )
    if params["SignatureVersion"] != SIGNATURE_VERSION:
        raise InvalidParameter(
            f"The SignatureVersion {params['SignatureVersion']!r} is not supported; use 1.0.",
            "SignatureVersion",
        )
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", params["Timestamp"]):
        raise InvalidTimeStamp(
            f"The Timestamp {params['Timestamp']!r} is not ISO-8601 UTC (yyyy-MM-ddTHH:mm:ssZ).",
            "Format",
        )
    key_id = params["AccessKeyId"]
    key = find_access_key(access_keys, key_id)
    check_security_token(key, params.get("SecurityToken"), "SecurityToken", service_now)
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    expected = signature(string_to_sign(method, unsigned), key.secret)
    if not hmac.compare_digest(expected.encode(), params["Signature"].encode("utf-8")):
        if "SecurityToken" in unsigned:
            unsigned["SecurityToken"] = "REDACTED"
        raise SignatureDoesNotMatch(
            "Specified signature is not matched with our calculation. server string to "
            f"sign is:{string_to_sign(method, unsigned)}"
        )
    return key_id
