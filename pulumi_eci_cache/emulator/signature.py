"""Checks an RPC request's signature the way the service does, with the vendor's code.

A signing bug is the kind of mistake that only shows up against the real endpoint,
so the emulator recomputes every signature with aliyunsdkcore's own RPC composer
(signature version 1.0, HMAC-SHA1 over the sorted, percent-encoded parameters; for a
POST the form-body parameters are signed too) and refuses a mismatch with
``SignatureDoesNotMatch``. Unknown key ids get ``InvalidAccessKeyId.NotFound``.
STS: a key registered with ``security_token="*"`` accepts any ``SecurityToken``, one
registered with a token accepts only that token, and a long-term key (``None``)
accepts none; missing or wrong tokens are refused. Timestamps are checked for format
only (not for age), and nonces are not remembered: tests run on fake clocks.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from aliyunsdkcore.auth.algorithm import sha_hmac1
from aliyunsdkcore.auth.composer import rpc_signature_composer

from .exceptions import (
    InvalidAccessKeyIdNotFound,
    InvalidParameter,
    InvalidSecurityToken,
    InvalidTimeStamp,
    SignatureDoesNotMatch,
)
from .models import AccessKey
from .params import missing_parameter

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
    method: str, params: Mapping[str, str], access_keys: Mapping[str, AccessKey]
) -> str:
    """Raise unless ``params`` (query plus form body) are signed by a known key; the key id."""
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
            f"The Timestamp {params['Timestamp']!r} is not ISO-8601 UTC (yyyy-MM-ddTHH:mm:ssZ)."
        )
    key_id = params["AccessKeyId"]
    key = access_keys.get(key_id)
    if key is None:
        raise InvalidAccessKeyIdNotFound(f"The AccessKeyId {key_id!r} is not found.")
    _check_token(key, params.get("SecurityToken"))
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    string_to_sign = _compose_string_to_sign(method, unsigned)
    expected = _get_signature(string_to_sign, key.secret, sha_hmac1)
    if not hmac.compare_digest(str(expected), params["Signature"]):
        raise SignatureDoesNotMatch(
            "Specified signature is not matched with our calculation. server string to "
            f"sign is:{string_to_sign}"
        )
    return key_id


def _check_token(key: AccessKey, token: str | None) -> None:
    if key.security_token is None:
        if token is not None:
            raise InvalidSecurityToken(
                "A SecurityToken was sent with a long-term access key.", "Mismatch"
            )
        return
    if token is None:
        raise missing_parameter("SecurityToken")
    if key.security_token not in ("*", token):
        raise InvalidSecurityToken("The SecurityToken does not match the access key.", "Mismatch")
