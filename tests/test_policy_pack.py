"""The policy pack on pulumi-policy (policy/pack.py): its policies called as pulumi-policy
calls them, with properties behind its proxies (unknown values raise on access)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import (
    PolicyProviderResource,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, unknown_checking_proxy

from pulumi_eci_cache.policy.pack import build_pack_policies
from pulumi_eci_cache.rules import policies

pytestmark = pytest.mark.policy  # needs the policy extra (pulumi-policy)

PLUGIN = "ecicache:index:ImageCache"
URN = "urn:pulumi:dev::proj::ecicache:index:ImageCache::web"
NOW = 1_800_000_000.0
POLICIES = {p.name: p for p in build_pack_policies(lambda: NOW)}


def validate(
    policy: str,
    props: dict[str, Any],
    config: dict[str, Any] | None = None,
    provider: PolicyProviderResource | None = None,
) -> list:
    """What ``policy`` reports for one plugin cache named web: (message, urn) pairs."""
    found: list[tuple[str, str | None]] = []
    check = POLICIES[policy]
    assert isinstance(check, ResourceValidationPolicy)
    proxied = unknown_checking_proxy(props)
    args = ResourceValidationArgs(PLUGIN, proxied, URN, "web", None, provider, config or {})  # type: ignore[arg-type]
    check.validate(args, lambda message, urn=None: found.append((message, urn)))
    return found


def test_the_pack_has_one_policy_per_rule() -> None:
    names = [rule.name for rule in (*policies.RULES, *policies.STACK_RULES)]
    assert list(POLICIES) == names


def test_a_violation_is_reported_on_the_caches_urn() -> None:
    assert validate("eci-cache-retention", {"retentionDays": 90}) == [
        ("cache web: retention: retentionDays 90 (allowed: 1 to 30 days)", URN)
    ]


def test_the_config_file_settings_reach_the_rule() -> None:
    found = validate("eci-cache-retention", {"retentionDays": 90}, {"maxRetentionDays": 100})
    assert found == []


def test_a_value_unknown_at_preview_reports_nothing() -> None:
    assert validate("eci-cache-retention", {"retentionDays": UNKNOWN_NUMBER_VALUE}) == []


def test_a_cache_without_a_region_is_judged_in_its_providers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou")
    provider = PolicyProviderResource(
        "pulumi:providers:ecicache", unknown_checking_proxy({"region": "cn-beijing"}), URN, "p"
    )
    found = validate("eci-cache-regions", {}, {"allowedRegions": ["cn-hangzhou"]}, provider)
    assert found == [("cache web: region: region cn-beijing (allowed: cn-hangzhou)", URN)]


def test_a_cache_without_a_region_or_provider_region_is_judged_in_the_environments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "cn-shanghai")
    found = validate("eci-cache-regions", {}, {"allowedRegions": ["cn-hangzhou"]})
    assert found == [("cache web: region: region cn-shanghai (allowed: cn-hangzhou)", URN)]


def test_the_password_policy_is_not_applicable_where_secrets_arrive_unwrapped() -> None:
    creds = [{"server": "r", "userName": "u", "password": "p"}]
    with pytest.raises(Exception) as info:  # pulumi-policy's own "not applicable"
        validate("eci-cache-registry-passwords-secret", {"imageRegistryCredentials": creds})
    assert "cannot tell a secret password from a plain one" in info.value.reason  # type: ignore[attr-defined]


def test_a_stack_policy_reports_each_cache_beyond_the_limit_on_its_urn() -> None:
    def resource(name: str) -> PolicyResource:
        urn = URN.replace("::web", f"::{name}")
        props = unknown_checking_proxy({"imageCacheName": name})
        return PolicyResource(PLUGIN, props, urn, name, None, None, None, [], {})  # type: ignore[arg-type]

    found: list[tuple[str, str | None]] = []
    check = POLICIES["eci-cache-count"]
    assert isinstance(check, StackValidationPolicy)
    args = StackValidationArgs([resource("a"), resource("b")], {"maxCaches": 1})
    check.validate(args, lambda message, urn=None: found.append((message, urn)))
    assert found == [
        (
            "cache b: caches per stack: the stack's 2 caches (allowed: at most 1)",
            URN.replace("::web", "::b"),
        )
    ]
