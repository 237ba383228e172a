"""Whose signature the emulator accepts: access-key lookup and the STS token rules.

Both signature styles (V1 in ``signature``, V3 in ``signature_v3``) end in the same
two questions, answered here once so they cannot drift apart: is the key id one the
backend knows (else ``InvalidAccessKeyId.NotFound``), and does the security token
sent with it fit the key. A key registered with ``security_token="*"`` accepts any
token, one registered with a token accepts only that token, and a long-term key
(``None``) accepts none; a missing or wrong token is refused. The styles carry the
token under different wire names (``SecurityToken`` / ``x-acs-security-token``), so
the name to report is passed in. Messages never contain the token itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from .exceptions import InvalidAccessKeyIdNotFound, InvalidSecurityToken
from .models import AccessKey
from .params import missing_parameter

__all__ = ["check_security_token", "find_access_key"]


def find_access_key(access_keys: Mapping[str, AccessKey], key_id: str) -> AccessKey:
    """The registered key ``key_id``; raises ``InvalidAccessKeyId.NotFound`` otherwise."""
    key = access_keys.get(key_id)
    if key is None:
        raise InvalidAccessKeyIdNotFound(f"The AccessKeyId {key_id!r} is not found.")
    return key


def check_security_token(key: AccessKey, token: str | None, wire_name: str) -> None:
    """Raise unless ``token`` (None: not sent, under ``wire_name``) is right for ``key``."""
    if key.security_token is None:
        if token is not None:
            raise InvalidSecurityToken(
                f"A {wire_name} was sent with a long-term access key.", "Mismatch"
            )
        return
    if token is None:
        raise missing_parameter(wire_name)
    if key.security_token not in ("*", token):
        raise InvalidSecurityToken(f"The {wire_name} does not match the access key.", "Mismatch")
