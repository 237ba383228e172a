"""The diff rules: nothing, update in place, or replace; and the sentence saying why."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_eci_cache.rules.check import check_inputs
from pulumi_eci_cache.rules.declaration import api_of
from pulumi_eci_cache.rules.diff import COMPARE, DiffPlan, PropertyChange, plan_diff
from pulumi_eci_cache.rules.model import INPUT_FIELDS, ImageCacheSpec
from pulumi_eci_cache.rules.values import UNKNOWN

UNKNOWN_VALUE = UNKNOWN

PASSWORD = "hunter2-do-not-print"
NEW_PASSWORD = "correct-horse-battery"


def changed(plan: DiffPlan) -> tuple[str, ...]:
    return tuple(change.name for change in plan.changes)


BASE: dict[str, Any] = check_inputs(
    {
        "image_cache_name": "web",
        "images": ["nginx:1.25", "redis:7"],
        "zone_id": "cn-hangzhou-h",
        "vswitch_id": "vsw-1,vsw-2",
        "tags": {"team": "web", "env": "prod"},
        "image_registry_credentials": [
            {"server": "r1.example.com", "user_name": "u1", "password": PASSWORD},
            {"server": "r2.example.com", "user_name": "u2", "password": PASSWORD},
        ],
        "acr_registry_infos": [
            {"instance_id": "cri-1", "domains": ["a.example.com", "b.example.com"]},
            {"instance_id": "cri-2"},
        ],
        "insecure_registries": ["h1:5000", "h2"],
        "plain_http_registries": ["h3", "h4"],
    }
).inputs

# What the state holds after create: the inputs plus computed outputs.
OLD_OUTPUTS: dict[str, Any] = {
    **BASE,
    "image_cache_id": "imc-1",
    "status": "Ready",
    "progress": "100%",
    "snapshot_id": "s-1",
    "events": [{"Reason": "Pulled"}],
    "creation_time": "2026-11-27T20:45:18Z",
}


def diff(**changes: Any) -> DiffPlan:
    return plan_diff(OLD_OUTPUTS, {**BASE, **changes})


def only(plan: DiffPlan) -> PropertyChange:
    (change,) = plan.changes
    return change


# ---------------------------------------------------------------------------
# No change


def test_same_inputs_make_no_change() -> None:
    plan = plan_diff(OLD_OUTPUTS, BASE)
    assert plan == DiffPlan(())
    assert not plan.has_changes


def test_computed_outputs_are_ignored() -> None:
    new = {**OLD_OUTPUTS, "status": "Updating", "progress": "10%", "snapshot_id": "s-2"}
    assert not plan_diff(OLD_OUTPUTS, new).has_changes


def test_images_written_another_way_are_no_change() -> None:
    assert not diff(images=["docker.io/library/redis:7", "nginx:1.25"]).has_changes


def test_reordered_lists_are_no_change() -> None:
    plan = diff(
        vswitch_id="vsw-2, vsw-1",
        tags={"env": "prod", "team": "web"},
        image_registry_credentials=list(reversed(BASE["image_registry_credentials"])),
        acr_registry_infos=[
            {"instance_id": "cri-2"},
            {"instance_id": "cri-1", "domains": ["b.example.com", "a.example.com"]},
        ],
        insecure_registries=["h2", "H1:5000"],
        plain_http_registries=["h4", "h3"],
    )
    assert changed(plan) == ()


@pytest.mark.parametrize(
    ("name", "empty"),
    [("tags", {}), ("security_group_id", ""), ("insecure_registries", []), ("zone_id", None)],
)
def test_absent_and_empty_are_equal(name: str, empty: Any) -> None:
    olds = {k: v for k, v in OLD_OUTPUTS.items() if k != name}
    assert not plan_diff(olds, {**BASE, name: empty}).has_changes


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("image_cache_size", 20),
        ("flash", False),
        ("auto_match_image_cache", False),
        ("elimination_strategy", ""),
        ("timeout", "60m"),
    ],
)
def test_absent_equals_the_api_default(name: str, default: Any) -> None:
    olds = {k: v for k, v in OLD_OUTPUTS.items() if k != name}
    news = {k: v for k, v in BASE.items() if k != name}
    assert not plan_diff(olds, {**news, name: default}).has_changes
    assert not plan_diff({**olds, name: default}, news).has_changes


def test_timeout_written_another_way_is_no_change() -> None:
    assert not changed(plan_diff({**OLD_OUTPUTS, "timeout": "90m"}, {**BASE, "timeout": "1h30m"}))


# ---------------------------------------------------------------------------
# Replacements


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("zone_id", "cn-hangzhou-i", "cannot move a cache to another zone"),
        ("insecure_registries", ["h1:5000"], "cannot change the insecure registries"),
        ("plain_http_registries", ["h3", "h5"], "cannot change the plain-HTTP registries"),
    ],
)
def test_replace_field_change_replaces_the_cache(name: str, value: Any, why: str) -> None:
    plan = diff(**{name: value})
    assert changed(plan) == (name,)
    assert plan.replaces == (name,)
    assert why in only(plan).reason
    assert only(plan).reason.endswith("so it is replaced")


def test_zone_reason_names_both_zones() -> None:
    assert only(diff(zone_id="cn-hangzhou-i")).reason == (
        'zone_id changes from "cn-hangzhou-h" to "cn-hangzhou-i": the ECI API cannot move '
        "a cache to another zone, so it is replaced"
    )


def test_registry_reason_lists_added_and_removed_hosts() -> None:
    reason = only(diff(plain_http_registries=["h3", "h5"])).reason
    assert reason.startswith("plain_http_registries: + h5, - h4:")


def test_replacement_creates_before_it_deletes() -> None:
    assert diff(zone_id="cn-hangzhou-i").delete_before_replace is False


def test_replace_fields_are_declared_with_the_inputs() -> None:
    replace = {name for name, info in ImageCacheSpec.model_fields.items() if api_of(info).replace}
    assert replace == {
        "zone_id",
        "insecure_registries",
        "plain_http_registries",
        "annotations",
        "region",
        "assume_role",
    }


def test_comparison_rules_name_only_inputs() -> None:
    assert set(COMPARE) <= set(INPUT_FIELDS)


# ---------------------------------------------------------------------------
# Updates in place


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("image_cache_name", "web2"),
        ("images", ["docker.io/library/nginx:1.26", "docker.io/library/redis:7"]),
        ("security_group_id", "sg-2"),
        ("vswitch_id", "vsw-1,vsw-3"),
        ("eip_instance_id", "eip-1"),
        ("image_cache_size", 40),
        ("retention_days", 7),
        ("resource_group_id", "rg-1"),
        ("image_registry_credentials", []),
        ("acr_registry_infos", [{"instance_id": "cri-3"}]),
        ("tags", {"team": "api"}),
        ("auto_match_image_cache", True),
        ("flash", True),
        ("flash_copy_count", 2),
        ("standard_copy_count", 3),
        ("elimination_strategy", "LRU"),
    ],
)
def test_other_fields_update_in_place(name: str, value: Any) -> None:
    plan = diff(**{name: value})
    assert changed(plan) == (name,)
    assert plan.replaces == ()
    assert plan.api_changes == (name,)
    assert only(plan).kind == "update"


def test_images_reason_lists_added_and_removed_images() -> None:
    plan = diff(images=["redis:7", "busybox:1.36"])
    assert only(plan).reason == ("images: + busybox:1.36, - nginx:1.25")


def test_scalar_reason_says_from_and_to() -> None:
    plan = plan_diff({**OLD_OUTPUTS, "image_cache_size": 30}, {**BASE, "image_cache_size": 40})
    assert only(plan).reason == "image_cache_size changes from 30 to 40"


def test_setting_a_value_says_it_was_not_set() -> None:
    assert only(diff(retention_days=7)).reason == "retention_days changes from (not set) to 7"


def test_tags_reason_shows_added_removed_and_changed() -> None:
    reason = only(diff(tags={"team": "api", "owner": "me"})).reason
    assert reason == 'tags: + owner=me, - env, team: "web" -> "api"'


def test_vswitch_reason_lists_ids() -> None:
    assert only(diff(vswitch_id="vsw-1,vsw-3")).reason == "vswitch_id: + vsw-3, - vsw-2"


def test_acr_reason_names_the_instance_and_what_changed() -> None:
    plan = diff(acr_registry_infos=[{"instance_id": "cri-1"}, {"instance_id": "cri-3"}])
    assert only(plan).reason == (
        "acr_registry_infos: + cri-3, - cri-2, cri-1 domains changes from "
        '["a.example.com", "b.example.com"] to (not set)'
    )


def test_several_changes_are_reported_in_field_order() -> None:
    plan = diff(zone_id="cn-hangzhou-i", image_cache_name="web2", timeout="2h")
    assert changed(plan) == ("image_cache_name", "zone_id", "timeout")
    assert plan.replaces == ("zone_id",)
    assert plan.api_changes == ("image_cache_name", "zone_id")


# ---------------------------------------------------------------------------
# timeout: an update with no API call


def test_timeout_only_change_needs_no_api_call() -> None:
    plan = diff(timeout="2h")
    assert plan.has_changes
    assert changed(plan) == ("timeout",)
    assert plan.api_changes == ()
    assert plan.replaces == ()
    assert only(plan).reason.startswith('timeout changes from "60m" to "2h"')


# ---------------------------------------------------------------------------
# Unknown values


def test_unknown_value_counts_as_an_update() -> None:
    plan = diff(image_cache_name=UNKNOWN_VALUE)
    assert only(plan).kind == "update"
    assert "not known" in only(plan).reason


def test_unknown_replace_field_counts_as_a_replace() -> None:
    assert diff(zone_id=UNKNOWN_VALUE).replaces == ("zone_id",)


def test_unknown_inside_a_list_counts_as_a_change() -> None:
    assert changed(diff(images=["nginx:1.25", UNKNOWN_VALUE])) == ("images",)


# ---------------------------------------------------------------------------
# Passwords never appear in a reason


@pytest.mark.parametrize(
    "credentials",
    [
        [
            {"server": "r1.example.com", "user_name": "u1", "password": NEW_PASSWORD},
            {"server": "r2.example.com", "user_name": "u2", "password": PASSWORD},
        ],
        [{"server": "r3.example.com", "user_name": "u3", "password": NEW_PASSWORD}],
        [],
    ],
    ids=["password-changed", "registry-replaced", "all-removed"],
)
def test_reasons_never_contain_a_password(credentials: list[dict[str, Any]]) -> None:
    plan = diff(image_registry_credentials=credentials)
    reason = only(plan).reason
    assert PASSWORD not in reason
    assert NEW_PASSWORD not in reason


def test_password_change_is_named_by_its_registry() -> None:
    credentials = [dict(c) for c in BASE["image_registry_credentials"]]
    credentials[0]["password"] = NEW_PASSWORD
    reason = only(diff(image_registry_credentials=credentials)).reason
    assert reason == "image_registry_credentials: password of registry r1.example.com changed"


def test_user_name_change_is_shown() -> None:
    credentials = [dict(c) for c in BASE["image_registry_credentials"]]
    credentials[1]["user_name"] = "deploy"
    reason = only(diff(image_registry_credentials=credentials)).reason
    assert reason == (
        'image_registry_credentials: user name of registry r2.example.com changes from "u2" '
        'to "deploy"'
    )


def test_a_cache_refreshed_as_failed_is_replaced_even_with_equal_inputs() -> None:
    inputs = {"image_cache_name": "web", "images": ["docker.io/library/nginx:1.25"]}
    plan = plan_diff({**inputs, "status": "Failed"}, inputs)
    assert plan.replaces == ("status",)
    assert "failed" in plan.changes[0].reason


def test_a_cache_whose_update_failed_gets_its_spec_sent_again() -> None:
    inputs = {"image_cache_name": "web", "images": ["docker.io/library/nginx:1.25"]}
    plan = plan_diff({**inputs, "status": "UpdateFailed"}, inputs)
    assert plan.replaces == () and plan.api_changes == ("status",)


def test_a_ready_or_building_cache_with_equal_inputs_is_no_change() -> None:
    inputs = {"image_cache_name": "web", "images": ["docker.io/library/nginx:1.25"]}
    for status in ("Ready", "Creating", "Updating", None):
        assert not plan_diff({**inputs, "status": status}, inputs).has_changes


def test_numbers_from_the_engine_are_shown_as_whole_numbers() -> None:
    # The engine carries every number as a double: 7 arrives as 7.0.
    plan = plan_diff({**OLD_OUTPUTS, "retention_days": 7.0}, {**BASE, "retention_days": 14.0})
    assert only(plan).reason == "retention_days changes from 7 to 14"


def test_a_rewritten_registry_host_reason_shows_each_side_as_written() -> None:
    plan = plan_diff(
        {**OLD_OUTPUTS, "insecure_registries": ["Harbor.Local:8443"]},
        {**BASE, "insecure_registries": ["harbor.local:8443", "Other.Local"]},
    )
    assert only(plan).reason.startswith("insecure_registries: + Other.Local:")
