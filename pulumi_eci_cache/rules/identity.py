"""Who a cache belongs to: the tag that lets a crashed create find its cache again.

A Python dynamic provider cannot report "created, but not yet Ready", so a create that
dies after the service accepted it leaves a cache the state does not know. Every cache
we create carries one tag, ``pulumi-eci-cache-resource``, whose value names the
resource AND who creates it, so that the next run can find exactly its own orphan:

- the resource: Pulumi organization, project, stack and resource name (with its
  parent's type and name), computed in the program by the dynamic face (resource.py);
  the plugin face has no program-side code, so it names the resource by its URN
  (project, stack, the type chain of its parents and its name: unique in the stack);
- the principal: who the credential is. A long-term access key is its AccessKeyId; an
  STS credential changes its key every session, so it is the role ARN where one is
  configured, and otherwise there is no stable principal and no automatic adoption.

Two people who run the same program with the same stack name in one account (two
local backends, two access keys) therefore never see each other's caches as their
own. The value is a hash: the tag shows neither the key id nor the stack. Pure.
"""

from __future__ import annotations

import hashlib
import uuid

__all__ = [
    "IDENTITY_TAG",
    "identity_tag_value",
    "principal",
    "resource_identity",
    "resource_identity_of_urn",
]

IDENTITY_TAG = "pulumi-eci-cache-resource"


def resource_identity(organization: str, project: str, stack: str, name: str) -> str:
    """``org/project/stack/name``: the resource among every cache of the account."""
    return f"{organization}/{project}/{stack}/{name}"


def resource_identity_of_urn(urn: str) -> str:
    """``urn/project/stack/parent-types$type::name``: the resource as the plugin face
    knows it (a URN carries no organization; the principal tells accounts apart)."""
    return f"urn/{urn.removeprefix('urn:pulumi:')}"


def principal(access_key_id: str, security_token: str | None, role: str | None) -> str | None:
    """Who is creating: the access key for long-term keys, else the configured role.

    None for STS credentials without a configured role: their key id is new every
    session, so nothing stable says the next run is the same person.
    """
    if not security_token:
        return f"access-key:{access_key_id}"
    if role:
        return f"role:{role}"
    return None


def identity_tag_value(resource: str, who: str | None) -> str:
    """The tag value for ``resource`` created by ``who``.

    Without a principal the value is unique to this create (nothing else will ever
    bear it), so no later run can mistake the cache for its own.
    """
    owner = who if who is not None else f"unknown:{uuid.uuid4()}"
    return hashlib.sha256(f"{resource}\n{owner}".encode()).hexdigest()[:32]
