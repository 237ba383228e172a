"""Checks an RPC request's signature the way the service does, with the vendor's code.

A signing bug is the kind of mistake that only shows up against the real endpoint,
so the emulator recomputes every signature with aliyunsdkcore's own RPC composer
(signature version 1.0, HMAC-SHA1 over the sorted, percent-encoded parameters; for a
POST the form-body parameters are signed too) and refuses a mismatch with
``SignatureDoesNotMatch`` (its message shows the server's string to sign, as the
service does, with any ``SecurityToken`` in it redacted). Key lookup and the STS
token rules (expiry included) are ``signature_keys``'s, shared with the V3 checker. Timestamps are
checked for format only (not for age), and nonces are not remembered: tests run on
fake clocks.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from aliyunsdkcore.auth.algorithm import sha_hmac1
from aliyunsdkcore.auth.composer import rpc_signature_composer

from .exceptions import InvalidParameter, InvalidTimeStamp, SignatureDoesNotMatch
from .iam import AccessKey
from .params import missing_parameter
from .signature_keys import check_security_token, find_access_key

__all__ = ["verify_signature"]

# Private helpers of the composer (module-level "__" names are not mangled outside a
# class, so getattr reaches them). They are exactly what get_signed_url uses to sign.
_compose_string_to_sign = getattr(rpc_signature_composer, "__compose_string_to_sign")
_get_signature = getattr(rpc_signature_composer, "__get_signature")

_SIGNED_WITH = (
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
)


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
    if params["SignatureMethod"] != sha_hmac1.get_signer_name():
        raise InvalidParameter(
            f"The SignatureMethod {params['SignatureMethod']!r} is not supported; use HMAC-SHA1.",
            "SignatureMethod",
        )
    if params["SignatureVersion"] != "1.0":
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
    string_to_sign = _compose_string_to_sign(method, unsigned)
    expected = _get_signature(string_to_sign, key.secret, sha_hmac1)
    if not hmac.compare_digest(str(expected), params["Signature"]):
        if "SecurityToken" in unsigned:
            unsigned["SecurityToken"] = "REDACTED"
        raise SignatureDoesNotMatch(
            "Specified signature is not matched with our calculation. server string to "
            f"sign is:{_compose_string_to_sign(method, unsigned)}"
        )
    return key_id
