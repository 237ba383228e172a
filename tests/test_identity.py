"""Whose cache it is: the resource and the principal behind the identity tag (pure)."""

from __future__ import annotations

from pulumi_eci_cache.cloud.credentials import Credential, configured_role
from pulumi_eci_cache.rules.config import ProviderConfig
from pulumi_eci_cache.rules.identity import (
    identity_tag_value,
    resource_identity,
    resource_identity_of_urn,
    role_of_assumed_role,
    role_principal,
)
from pulumi_eci_cache.rules.identity import principal as principal_of

cfg = ProviderConfig.from_stack_config

LONG_TERM = Credential("LTAI-first", "secret")
STS = Credential("STS.session-1", "secret", "token")


def principal(credential: Credential, role: str | None) -> str | None:
    return principal_of(credential.access_key_id, credential.security_token, role)


def test_a_long_term_key_is_its_own_principal() -> None:
    assert principal(LONG_TERM, role=None) == "access-key:LTAI-first"


def test_sts_credentials_are_the_configured_role() -> None:
    assert principal(STS, role="acs:ram::1:role/deploy") == "role:acs:ram::1:role/deploy"


def test_sts_credentials_without_a_role_have_no_stable_principal() -> None:
    assert principal(STS, role=None) is None


def test_two_keys_give_the_same_resource_different_identities() -> None:
    resource = resource_identity("organization", "quickstart", "dev", "web")
    other = Credential("LTAI-second", "secret")
    first = identity_tag_value(resource, principal(LONG_TERM, None))
    second = identity_tag_value(resource, principal(other, None))
    assert first != second
    assert first == identity_tag_value(resource, principal(LONG_TERM, None))


def test_no_principal_gives_a_value_nothing_else_bears() -> None:
    resource = resource_identity("organization", "quickstart", "dev", "web")
    assert identity_tag_value(resource, None) != identity_tag_value(resource, None)


def test_the_tag_value_shows_neither_key_nor_stack() -> None:
    value = identity_tag_value(resource_identity("o", "p", "s", "web"), "access-key:LTAI-first")
    assert "LTAI" not in value and "web" not in value and len(value) == 32


def test_a_library_sources_role_comes_from_the_cli_profile_or_the_ecs_role() -> None:
    assert configured_role(cfg({}), {}, {"ram_role_arn": "arn-profile"}) == "arn-profile"
    assert configured_role(cfg({"alicloud:ecsRoleName": "node"}), {}, {}) == "ecs-role:node"


def test_a_role_the_provider_assumes_is_not_a_library_sources_role() -> None:
    # assumeRole and ALIBABA_CLOUD_ROLE_ARN are assumed for real (roles.py): their
    # principal is the assumed role's own, not a name given to the base credentials.
    config = {"alicloud:assumeRole": '{"roleArn": "acs:ram::1:role/deploy"}'}
    assert configured_role(cfg(config), {"ALIBABA_CLOUD_ROLE_ARN": "arn-env"}, {}) is None


def test_an_assumed_roles_principal_is_its_arn_in_its_account() -> None:
    who = role_principal("acs:ram::2222:role/builder")
    assert (who.key, who.account_id) == ("role:acs:ram::2222:role/builder", "2222")


def test_the_role_of_an_assumed_role_session() -> None:
    arn = "acs:ram::2222:assumed-role/builder/pulumi-eci-cache"
    assert role_of_assumed_role(arn) == "acs:ram::2222:role/builder"
    assert role_of_assumed_role("acs:ram::2222:user/alice") is None


def test_no_role_configured_is_none() -> None:
    assert configured_role(cfg({}), {}, {"mode": "AK"}) is None


def test_a_plugin_resource_is_named_by_its_urn() -> None:
    first = resource_identity_of_urn("urn:pulumi:dev::proj::ecicache:index:ImageCache::web")
    other = resource_identity_of_urn("urn:pulumi:prod::proj::ecicache:index:ImageCache::web")
    assert first != other and "web" in first
