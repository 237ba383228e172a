"""The policy pack's rules (rules/policies.py), pure: which resources are caches, how
their properties read, and each rule's violations, without pulumi-policy or a CLI."""

from __future__ import annotations

import calendar
import json
import time
from pathlib import Path
from typing import Any

from pulumi_eci_cache.rules import policies
from pulumi_eci_cache.rules.identity import MARKER_KEY, MARKER_VALUE
from pulumi_eci_cache.rules.policies import Cache, Secret, cache_of, settings_of
from pulumi_eci_cache.rules.values import UNKNOWN

REPO = Path(__file__).resolve().parents[1]
PLUGIN = "ecicache:index:ImageCache"
DYNAMIC = "pulumi-python:dynamic/eci:ImageCache"
RULES = {rule.name: rule for rule in (*policies.RULES, *policies.STACK_RULES)}


def plugin_cache(name: str = "web", **props: Any) -> Cache:
    found = cache_of(PLUGIN, name, {"imageCacheName": name, **props}, PLUGIN)
    assert found is not None
    return found


def dynamic_cache(name: str = "web", **props: Any) -> Cache:
    marked = {"image_cache_name": name, MARKER_KEY: MARKER_VALUE, **props}
    found = cache_of(DYNAMIC, name, marked, PLUGIN)
    assert found is not None
    return found


def texts(rule: str, *args: Any, **config: Any) -> list[str]:
    found = RULES[rule].check(*args, settings_of(RULES[rule], config))
    return [str(v) for v in found]


def stack_texts(rule: str, caches: list[Cache], now: float, **config: Any) -> list[str]:
    return [str(v) for v in RULES[rule].check(caches, settings_of(RULES[rule], config), now)]


def stamp(text: str) -> float:
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))


def test_the_plugins_resources_are_caches_by_their_type_token() -> None:
    assert cache_of(PLUGIN, "web", {"imageCacheName": "web"}, PLUGIN) is not None


def test_a_dynamic_resource_with_our_marker_is_a_cache() -> None:
    props = {"image_cache_name": "web", MARKER_KEY: MARKER_VALUE}
    assert cache_of(DYNAMIC, "web", props, PLUGIN) is not None


def test_a_dynamic_resource_without_our_marker_is_not_a_cache() -> None:
    assert cache_of(DYNAMIC, "web", {"image_cache_name": "web"}, PLUGIN) is None


def test_another_resource_type_is_not_a_cache_even_with_the_marker() -> None:
    assert cache_of("aws:s3:Bucket", "b", {MARKER_KEY: MARKER_VALUE}, PLUGIN) is None


def test_the_plugins_camel_case_properties_read_in_the_models_names() -> None:
    cache = plugin_cache(
        retentionDays=7.0,
        imageRegistryCredentials=[{"server": "r", "userName": "u", "password": "p"}],
    )
    assert cache.props["retention_days"] == 7
    assert cache.props["image_registry_credentials"] == [
        {"server": "r", "user_name": "u", "password": "p"}
    ]


def test_a_nested_input_reads_in_the_models_names() -> None:
    cache = plugin_cache(assumeRole={"roleArn": "acs:ram::2222:role/b"})
    assert cache.props["assume_role"] == {"role_arn": "acs:ram::2222:role/b"}


def test_a_cache_without_a_region_takes_its_providers() -> None:
    found = cache_of(PLUGIN, "web", {"imageCacheName": "web"}, PLUGIN, "cn-beijing")
    assert found is not None and found.region == "cn-beijing"


def test_a_caches_own_region_wins_over_its_providers() -> None:
    props = {"imageCacheName": "web", "region": "cn-shanghai"}
    found = cache_of(PLUGIN, "web", props, PLUGIN, "cn-beijing")
    assert found is not None and found.region == "cn-shanghai"


def test_retention_over_the_limit_names_the_cache_the_rule_and_the_value() -> None:
    assert texts("eci-cache-retention", plugin_cache(retentionDays=90), maxRetentionDays=30) == [
        "cache web: retention: retentionDays 90 (allowed: 1 to 30 days)"
    ]


def test_retention_is_named_as_the_python_face_spells_it() -> None:
    assert texts("eci-cache-retention", dynamic_cache(retention_days=90)) == [
        "cache web: retention: retention_days 90 (allowed: 1 to 30 days)"
    ]


def test_a_cache_without_retention_breaks_the_retention_rule() -> None:
    assert texts("eci-cache-retention", plugin_cache()) == [
        "cache web: retention: retentionDays not set (allowed: 1 to 30 days)"
    ]


def test_retention_within_the_limit_passes() -> None:
    assert texts("eci-cache-retention", plugin_cache(retentionDays=30)) == []


def test_a_value_unknown_at_preview_is_not_judged() -> None:
    assert texts("eci-cache-retention", plugin_cache(retentionDays=UNKNOWN)) == []


def test_a_cache_over_the_size_limit_breaks_the_size_rule() -> None:
    assert texts("eci-cache-size", plugin_cache(imageCacheSize=200), maxSizeGiB=100) == [
        "cache web: size: imageCacheSize 200 GiB (allowed: 100 GiB)"
    ]


def test_a_cache_without_a_size_is_judged_at_the_services_default() -> None:
    assert texts("eci-cache-size", plugin_cache(), maxSizeGiB=10) == [
        "cache web: size: imageCacheSize 20 GiB (the default) (allowed: 10 GiB)"
    ]


def test_flash_breaks_the_flash_rule_when_not_allowed() -> None:
    assert texts("eci-cache-flash", plugin_cache(flash=True)) == [
        "cache web: flash: flash true (allowed: false)"
    ]


def test_flash_passes_when_allowed() -> None:
    assert texts("eci-cache-flash", plugin_cache(flash=True), allowFlash=True) == []


def test_a_region_outside_the_allowed_ones_breaks_the_region_rule() -> None:
    cache = plugin_cache(region="cn-beijing")
    assert texts("eci-cache-regions", cache, allowedRegions=["cn-hangzhou", "cn-shanghai"]) == [
        "cache web: region: region cn-beijing (allowed: cn-hangzhou, cn-shanghai)"
    ]


def test_no_allowed_regions_allows_every_region() -> None:
    assert texts("eci-cache-regions", plugin_cache(region="cn-beijing")) == []


def test_missing_required_tags_are_named() -> None:
    cache = plugin_cache(tags={"team": "web"})
    assert texts("eci-cache-required-tags", cache, requiredTags=["team", "owner", "cost"]) == [
        "cache web: required tags: tags lack owner, cost (required: team, owner, cost)"
    ]


def test_a_password_in_plain_text_breaks_the_password_rule() -> None:
    creds = [{"server": "r", "userName": "u", "password": Secret("s")}]
    creds.append({"server": "q", "userName": "u", "password": "plain"})
    assert texts(
        "eci-cache-registry-passwords-secret", plugin_cache(imageRegistryCredentials=creds)
    ) == [
        "cache web: registry passwords: imageRegistryCredentials[1].password in plain text "
        "(allowed: secrets)"
    ]


def test_passwords_inside_a_secret_list_pass() -> None:
    creds = Secret([{"server": "r", "userName": "u", "password": "p"}])
    cache = plugin_cache(imageRegistryCredentials=creds)
    assert texts("eci-cache-registry-passwords-secret", cache) == []


def test_the_caches_beyond_the_stacks_limit_are_named() -> None:
    caches = [plugin_cache("a"), dynamic_cache("b"), plugin_cache("c")]
    assert stack_texts("eci-cache-count", caches, 0.0, maxCaches=1) == [
        "cache b: caches per stack: the stack's 3 caches (allowed: at most 1)",
        "cache c: caches per stack: the stack's 3 caches (allowed: at most 1)",
    ]


def test_a_cache_unused_since_its_last_match_breaks_the_unused_rule() -> None:
    cache = plugin_cache(
        creationTime="2026-01-01T00:00:00Z", lastMatchedTime="2026-03-01T00:00:00Z"
    )
    now = stamp("2026-04-15T00:00:00Z")
    assert stack_texts("eci-cache-unused", [cache], now, maxUnusedDays=30) == [
        "cache web: unused: unused for 45 days (last matched) (allowed: at most 30 days)"
    ]


def test_a_cache_never_matched_counts_from_its_creation() -> None:
    cache = dynamic_cache(creation_time="2026-01-01T00:00:00Z", last_matched_time="")
    now = stamp("2026-01-11T00:00:00Z")
    assert stack_texts("eci-cache-unused", [cache], now, maxUnusedDays=7) == [
        "cache web: unused: unused for 10 days (never matched since creation) "
        "(allowed: at most 7 days)"
    ]


def test_a_cache_not_yet_created_is_not_judged_unused() -> None:
    assert stack_texts("eci-cache-unused", [plugin_cache()], stamp("2026-01-11T00:00:00Z")) == []


def test_the_default_config_holds_every_policy_advisory_with_its_settings() -> None:
    config = policies.default_config()
    assert set(config) == set(RULES)
    assert config["eci-cache-retention"] == {"enforcementLevel": "advisory", "maxRetentionDays": 30}


def test_the_example_config_sets_only_the_packs_policies_and_settings() -> None:
    example = json.loads((REPO / "examples" / "policy" / "policy-config.json").read_text())
    defaults = policies.default_config()
    assert set(example) == set(defaults)
    assert all(set(example[name]) == set(defaults[name]) for name in example)
