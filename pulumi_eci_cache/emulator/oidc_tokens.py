"""OIDC tokens (JWTs) as the emulator mints and reads them: base64url JSON, three parts.

A CI job hands STS a JWT its identity provider signed (``AssumeRoleWithOIDC``); tests
need such tokens without an identity provider, so the emulator mints them and reads
back only their claims. Nothing here signs or verifies a signature: the third part
is a digest of the first two, not an RS256 signature, and ``read_claims`` ignores
it. The emulator trusts the claims (``iss``, ``aud``, ``exp``) and checks those against
the OIDC provider; a test of signature checking needs the real service. Pure: no
clock, no state.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["mint_token", "read_claims"]


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _json_part(claims: Mapping[str, Any]) -> str:
    return _encode(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def mint_token(claims: Mapping[str, Any], key_id: str = "eci-emulator") -> str:
    """A JWT carrying ``claims``, shaped as an identity provider's (RS256 header), whose
    third part is a digest standing in for the signature nobody checks here."""
    signed = f"{_json_part({'alg': 'RS256', 'kid': key_id, 'typ': 'JWT'})}.{_json_part(claims)}"
    return f"{signed}.{_encode(hashlib.sha256(signed.encode('ascii')).digest())}"


def read_claims(token: str) -> dict[str, Any]:
    """The claims (payload) of a JWT, its signature unverified; ValueError unless it is
    three non-empty base64url parts whose first two are JSON objects."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise ValueError("a JWT has three non-empty parts separated by '.'")
    try:
        header, claims = (json.loads(_decode(part)) for part in parts[:2])
        _decode(parts[2])
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"a JWT part is not base64url JSON: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("a JWT's header and payload are JSON objects")
    return claims
