"""Who a cache belongs to: the tag that lets a crashed create find its cache again.

A Python dynamic provider cannot report "created, but not yet Ready", so a create that
dies after the service accepted it leaves a cache the state does not know. Every cache
we create carries one tag, ``pulumi-eci-cache-resource``, whose value names the
resource AND who creates it, so that the next run can find exactly its own orphan:

- the resource: Pulumi organization, project, stack and resource name (with its
  parent's type and name), computed in the program by the dynamic face (resource.py);
  the plugin face has no program-side code, so it names the resource by its URN
  (project, stack, the type chain of its parents and its name: unique in the stack);
- the principal: who the provider actually acts as (``Principal``, learned once per
  provider). A long-term access key is its AccessKeyId; an STS credential changes its
  key every session, so it is the role it acts as: the role the provider assumed
  (``assumeRole``, ``assumeRoleWithOidc``), the role of an aliyun CLI profile or an ECS
  instance, or the role STS names for a bare token (GetCallerIdentity). Where none is
  known there is no stable principal and no automatic adoption. Two roles never share
  a principal, so they never take each other's caches.

Two people who run the same program with the same stack name in one account (two
local backends, two access keys) therefore never see each other's caches as their
own. The value is a hash: the tag shows neither the key id nor the stack. Pure.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

__all__ = [
    "IDENTITY_KEY",
    "IDENTITY_TAG",
    "MARKER_KEY",
    "MARKER_VALUE",
    "Principal",
    "account_of_arn",
    "identity_tag_value",
    "principal",
    "resource_identity",
    "resource_identity_of_urn",
    "role_of_assumed_role",
    "role_principal",
]

IDENTITY_TAG = "pulumi-eci-cache-resource"
# The dynamic face's input that names the resource ("organization/project/stack/name"),
# computed in the program (program/resource.py); the plugin names it by its URN.
IDENTITY_KEY = "__identity"
# The dynamic face's input that marks its resources as this package's image caches for
# policy packs (rules/policies.py): the engine hides every ``__`` key from a policy
# pack, so ``__identity`` and ``__provider`` cannot. Set by program/resource.py, carried
# by the provider beside the ``__`` keys, never validated or compared as an input.
MARKER_KEY = "pulumi_eci_cache"
MARKER_VALUE = "ImageCache"


@dataclass(frozen=True)
class Principal:
    """Who the provider acts as: ``key`` goes into the identity tag; ``account_id``
    (when known) says which account its caches live in; ``shown`` names it in messages."""

    key: str
    account_id: str | None = None
    shown: str = ""


_ARN_ACCOUNT = re.compile(r"^acs:ram::([0-9]+):")
_ASSUMED_ROLE = re.compile(r"^acs:ram::([0-9]+):assumed-role/([^/]+)/.*$")


def account_of_arn(arn: str | None) -> str | None:
    """``acs:ram::2222:role/b`` -> ``2222`` (None for anything else)."""
    match = _ARN_ACCOUNT.match(arn or "")
    return match.group(1) if match else None


def role_of_assumed_role(arn: str) -> str | None:
    """``acs:ram::2222:assumed-role/builder/session`` -> ``acs:ram::2222:role/builder``."""
    match = _ASSUMED_ROLE.match(arn)
    return f"acs:ram::{match.group(1)}:role/{match.group(2)}" if match else None


def role_principal(role_arn: str) -> Principal:
    """The principal of credentials that act as ``role_arn``."""
    return Principal(f"role:{role_arn}", account_of_arn(role_arn), role_arn)


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
