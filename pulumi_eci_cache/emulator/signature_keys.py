"""Whose signature the emulator accepts: access-key lookup and the STS token rules.

Both signature styles (V1 in ``signature``, V3 in ``signature_v3``) end in the same
questions, answered here once so they cannot drift apart: is the key id one the
backend knows (else ``InvalidAccessKeyId.NotFound``), does the security token sent
with it fit the key, and has a temporary key expired. A key registered with
``security_token="*"`` accepts any token, one registered with a token accepts only
that token, and a long-term key (``None``) accepts none; a missing or wrong token is
refused. A temporary key STS issued is refused with ``InvalidSecurityToken.Expired``
once the service's clock (``EciBackend.now()``, admin offset included) reaches its
Expiration, so a client that does not refresh its credentials fails as it would in
production. The styles carry the token under different wire names (``SecurityToken``
/ ``x-acs-security-token``), so the name to report is passed in. Messages never
contain the token itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from .exceptions import InvalidAccessKeyIdNotFound, InvalidSecurityToken
from .iam import AccessKey
from .params import missing_parameter

__all__ = ["check_security_token", "find_access_key"]


def find_access_key(access_keys: Mapping[str, AccessKey], key_id: str) -> AccessKey:
    """The registered key ``key_id``; raises ``InvalidAccessKeyId.NotFound`` otherwise."""
    key = access_keys.get(key_id)
    if key is None:
        raise InvalidAccessKeyIdNotFound(f"The AccessKeyId {key_id!r} is not found.")
    return key


def check_security_token(
    key: AccessKey, token: str | None, wire_name: str, service_now: float | None = None
) -> None:
    """Raise unless ``token`` (None: not sent, under ``wire_name``) is right for ``key``
    and, at ``service_now`` (None: not judged), the key has not expired."""
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
    if service_now is not None and key.expiration is not None and service_now >= key.expiration:
        raise InvalidSecurityToken("Specified SecurityToken is expired.", "Expired")
