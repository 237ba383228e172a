"""The ImageCache inputs: validation messages, normal form, and the API parameters."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pulumi_eci_cache.errors import CheckFailureInfo, InvalidInputsError
from pulumi_eci_cache.rules.check import check_inputs, spec_from_inputs
from pulumi_eci_cache.rules.model import DEFAULT_TIMEOUT, INPUT_FIELDS, ImageCacheSpec
from pulumi_eci_cache.rules.values import UNKNOWN, contains_unknown, is_unknown

PASSWORD = "hunter2-do-not-print"
VALID: dict[str, Any] = {"image_cache_name": "web", "images": ["nginx:1.25"]}


def checked(**changes: Any) -> list[CheckFailureInfo]:
    return check_inputs({**VALID, **changes}).failures


def cred(server: str = "r.example.com", **changes: Any) -> dict[str, Any]:
    return {"server": server, "user_name": "deploy", "password": PASSWORD, **changes}


# ---------------------------------------------------------------------------
# Valid inputs and their normal form


def test_minimal_inputs_pass() -> None:
    assert check_inputs(VALID).failures == []


def test_check_stores_images_exactly_as_written() -> None:
    outcome = check_inputs({**VALID, "images": ["nginx:1.25", "Registry.Example.com/app:1"]})
    assert outcome.inputs["images"] == ["nginx:1.25", "Registry.Example.com/app:1"]


def test_check_fills_in_the_timeout_default_only() -> None:
    assert check_inputs(VALID).inputs == {
        "image_cache_name": "web",
        "images": ["nginx:1.25"],
        "timeout": DEFAULT_TIMEOUT,
    }


def test_check_keeps_a_given_timeout_as_written() -> None:
    assert check_inputs({**VALID, "timeout": "1h30m"}).inputs["timeout"] == "1h30m"


def test_check_skips_internal_keys() -> None:
    outcome = check_inputs({**VALID, "__provider": "pickled", "__defaults": []})
    assert outcome.failures == []
    assert "__provider" not in outcome.inputs


def test_check_treats_none_as_absent() -> None:
    outcome = check_inputs({**VALID, "zone_id": None, "tags": None})
    assert outcome.failures == []
    assert "zone_id" not in outcome.inputs
    assert "tags" not in outcome.inputs


def test_check_accepts_whole_floats_from_the_engine() -> None:
    outcome = check_inputs({**VALID, "image_cache_size": 40.0, "retention_days": 7.0})
    assert outcome.failures == []
    assert outcome.inputs["image_cache_size"] == 40
    assert isinstance(outcome.inputs["image_cache_size"], int)


def test_check_strips_blanks_from_vswitch_ids_and_keeps_registry_hosts_as_written() -> None:
    outcome = check_inputs(
        {
            **VALID,
            "vswitch_id": "vsw-a1, vsw-b2",
            "image_registry_credentials": [cred("R.Example.com:5000")],
            "insecure_registries": ["Harbor.Local:8443"],
        }
    )
    assert outcome.failures == []
    assert outcome.inputs["vswitch_id"] == "vsw-a1,vsw-b2"
    assert outcome.inputs["image_registry_credentials"][0]["server"] == "R.Example.com:5000"
    assert outcome.inputs["insecure_registries"] == ["Harbor.Local:8443"]


def test_check_keeps_the_password_in_the_stored_inputs() -> None:
    outcome = check_inputs({**VALID, "image_registry_credentials": [cred()]})
    assert outcome.inputs["image_registry_credentials"] == [cred()]


def test_checked_inputs_check_again_unchanged() -> None:
    first = check_inputs({**VALID, "images": ["redis:7"], "tags": {"team": "web"}}).inputs
    assert check_inputs(first).inputs == first


def test_every_input_field_has_a_description() -> None:
    assert all(ImageCacheSpec.model_fields[name].description for name in INPUT_FIELDS)


def test_spec_refuses_internal_keys_when_validated_directly() -> None:
    with pytest.raises(ValidationError):
        ImageCacheSpec.model_validate({**VALID, "__provider": "x"})


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [("90s", 90), ("10m", 600), ("1h30m", 5400), ("2h", 7200), ("1h0m1s", 3601)],
)
def test_timeout_seconds(timeout: str, seconds: int) -> None:
    assert spec_from_inputs({**VALID, "timeout": timeout}).timeout_seconds == seconds


def test_timeout_defaults_to_an_hour() -> None:
    assert spec_from_inputs(VALID).timeout_seconds == 3600


def test_spec_repr_does_not_show_the_password() -> None:
    spec = spec_from_inputs({**VALID, "image_registry_credentials": [cred()]})
    assert PASSWORD not in repr(spec)


# ---------------------------------------------------------------------------
# Invalid inputs: every failure names the input, shows the value, says what is allowed

TOO_MANY_IMAGES = [f"app{i}:1" for i in range(21)]

INVALID = [
    # (id, changes, property, substrings of the reason)
    ("name-empty", {"image_cache_name": ""}, "image_cache_name", ['""', "2 to 128"]),
    ("name-one-char", {"image_cache_name": "a"}, "image_cache_name", ['"a"', "2 to 128"]),
    ("name-upper-case", {"image_cache_name": "Web"}, "image_cache_name", ['"Web"', "lowercase"]),
    ("name-leading-hyphen", {"image_cache_name": "-web"}, "image_cache_name", ['"-web"', "start"]),
    ("name-trailing-hyphen", {"image_cache_name": "web-"}, "image_cache_name", ['"web-"']),
    ("name-underscore", {"image_cache_name": "my_cache"}, "image_cache_name", ['"my_cache"']),
    ("name-too-long", {"image_cache_name": "a" * 129}, "image_cache_name", ["got 129", "128"]),
    ("name-not-a-string", {"image_cache_name": 42}, "image_cache_name", ["= 42", "string"]),
    ("images-empty", {"images": []}, "images", ["= []", "has 0 images", "1 to 20"]),
    ("images-too-many", {"images": TOO_MANY_IMAGES}, "images", ["app0:1", "has 21 images"]),
    ("images-not-a-list", {"images": "nginx:1.25"}, "images", ['"nginx:1.25"', "list"]),
    ("image-without-tag", {"images": ["nginx"]}, "images", ["images[0]", '"nginx"', "tag"]),
    (
        "image-malformed",
        {"images": ["nginx:1.25", "team/App:1"]},
        "images",
        ["images[1]", '"team/App:1"', "lowercase"],
    ),
    (
        "image-duplicate",
        {"images": ["redis:7", "nginx:1", "redis:7"]},
        "images",
        ["images[0]", "images[2]", '"redis:7"', "once"],
    ),
    (
        "image-duplicate-after-canonicalisation",
        {"images": ["nginx:1.25", "docker.io/library/nginx:1.25"]},
        "images",
        ['"nginx:1.25"', '"docker.io/library/nginx:1.25"', "images[1]", "same image"],
    ),
    ("size-too-small", {"image_cache_size": 19}, "image_cache_size", ["= 19", "20 to 32768"]),
    ("size-too-large", {"image_cache_size": 32769}, "image_cache_size", ["= 32769", "32768"]),
    ("size-fraction", {"image_cache_size": 20.5}, "image_cache_size", ["= 20.5", "whole"]),
    ("size-string", {"image_cache_size": "20"}, "image_cache_size", ['= "20"', "whole"]),
    ("size-boolean", {"image_cache_size": True}, "image_cache_size", ["= true", "whole"]),
    ("retention-zero", {"retention_days": 0}, "retention_days", ["= 0", "1 to 65536"]),
    ("retention-too-long", {"retention_days": 65537}, "retention_days", ["= 65537", "65536"]),
    (
        "credentials-too-many",
        {"image_registry_credentials": [cred(f"r{i}.example.com") for i in range(11)]},
        "image_registry_credentials",
        ["r0.example.com", "has 11 entries", "at most 10"],
    ),
    (
        "credential-server-with-scheme",
        {"image_registry_credentials": [cred("https://r.example.com")]},
        "image_registry_credentials",
        ["image_registry_credentials[0].server", '"https://r.example.com"', "scheme"],
    ),
    (
        "credential-server-with-path",
        {"image_registry_credentials": [cred("r.example.com/team")]},
        "image_registry_credentials",
        ["image_registry_credentials[0].server", '"r.example.com/team"', "host[:port]"],
    ),
    (
        "credential-without-user-name",
        {"image_registry_credentials": [{"server": "r.example.com", "password": PASSWORD}]},
        "image_registry_credentials",
        ["image_registry_credentials[0]", '"r.example.com"', '"user_name" is required'],
    ),
    (
        "credential-duplicate-server",
        {"image_registry_credentials": [cred("r.example.com"), cred("R.example.com")]},
        "image_registry_credentials",
        ["image_registry_credentials", "r.example.com", "one credential"],
    ),
    (
        "acr-without-instance-id",
        {"acr_registry_infos": [{"region_id": "cn-hangzhou"}]},
        "acr_registry_infos",
        ["acr_registry_infos[0]", '"cn-hangzhou"', '"instance_id" is required'],
    ),
    (
        "acr-domain-with-scheme",
        {"acr_registry_infos": [{"instance_id": "cri-1", "domains": ["https://a.example.com"]}]},
        "acr_registry_infos",
        ["acr_registry_infos[0].domains[0]", '"https://a.example.com"', "scheme"],
    ),
    (
        "tags-reserved-for-crash-recovery",
        {"tags": {"pulumi-eci-cache-resource": "x"}},
        "tags",
        ['"pulumi-eci-cache-resource"', "pulumi-eci-cache reserves"],
    ),
    (
        "tags-too-many",
        {"tags": {f"k{i}": "v" for i in range(20)}},
        "tags",
        ['"k0": "v"', "has 20 tags", "at most 19", "crash"],
    ),
    ("tag-key-aliyun", {"tags": {"aliyun-env": "x"}}, "tags", ['"aliyun-env"', "reserves"]),
    ("tag-key-acs", {"tags": {"ACS:team": "x"}}, "tags", ['"ACS:team"', '"acs:"']),
    ("tag-key-empty", {"tags": {"": "x"}}, "tags", ['{"": "x"}', "1 to 128"]),
    ("tag-key-too-long", {"tags": {"k" * 129: "x"}}, "tags", ["k" * 129, "1 to 128"]),
    ("tag-value-too-long", {"tags": {"k": "v" * 129}}, "tags", ["v" * 129, "at most 128"]),
    ("tag-value-url", {"tags": {"k": "https://x"}}, "tags", ['"https://x"', '"https://"']),
    ("tag-value-number", {"tags": {"k": 1}}, "tags", ['{"k": 1}', "strings"]),
    (
        "vswitches-too-many",
        {"vswitch_id": ",".join(f"vsw-{i}" for i in range(11))},
        "vswitch_id",
        ["vsw-0,vsw-1", "11 vSwitches", "at most 10"],
    ),
    ("vswitch-duplicate", {"vswitch_id": "vsw-1,vsw-1"}, "vswitch_id", ['"vsw-1,vsw-1"', "once"]),
    ("vswitch-not-an-id", {"vswitch_id": "vpc-1"}, "vswitch_id", ['"vpc-1"', '"vsw-"']),
    ("vswitch-empty-item", {"vswitch_id": "vsw-1,"}, "vswitch_id", ['"vsw-1,"', "empty item"]),
    ("flash-copies-zero", {"flash_copy_count": 0}, "flash_copy_count", ["= 0", "at least 1"]),
    (
        "standard-copies-negative",
        {"standard_copy_count": -1},
        "standard_copy_count",
        ["= -1", "at least 1"],
    ),
    (
        "eviction-lower-case",
        {"elimination_strategy": "lru"},
        "elimination_strategy",
        ['"lru"', '"LRU"'],
    ),
    (
        "eviction-unknown",
        {"elimination_strategy": "FIFO"},
        "elimination_strategy",
        ['"FIFO"', '"LRU"'],
    ),
    (
        "insecure-registry-with-scheme",
        {"insecure_registries": ["https://h:5000"]},
        "insecure_registries",
        ["insecure_registries[0]", '"https://h:5000"', "scheme"],
    ),
    (
        "insecure-registry-bad-port",
        {"insecure_registries": ["h:70000"]},
        "insecure_registries",
        ["insecure_registries[0]", '"h:70000"', "1 to 65535"],
    ),
    (
        "plain-http-registry-duplicate",
        {"plain_http_registries": ["h:80", "H:80"]},
        "plain_http_registries",
        ['"H:80"', "h:80", "once"],
    ),
    (
        "plain-http-registries-not-a-list",
        {"plain_http_registries": "h:80"},
        "plain_http_registries",
        ['"h:80"', "list"],
    ),
    ("flash-not-a-boolean", {"flash": "yes"}, "flash", ['"yes"', "true or false"]),
    (
        "auto-match-number",
        {"auto_match_image_cache": 1},
        "auto_match_image_cache",
        ["= 1", "true or false"],
    ),
    ("unknown-field", {"imagez": ["x:1"]}, "imagez", ['"imagez"', '["x:1"]', '"images"']),
    ("unknown-field-camel-case", {"zoneId": "z"}, "zoneId", ['"zoneId"', '"z"', "allowed"]),
    ("timeout-zero", {"timeout": "0s"}, "timeout", ['"0s"', "longer than zero"]),
    ("timeout-malformed", {"timeout": "ten minutes"}, "timeout", ['"ten minutes"', '"1h30m"']),
    ("timeout-unit", {"timeout": "10d"}, "timeout", ['"10d"', '"90s"']),
    ("timeout-number", {"timeout": 600}, "timeout", ["= 600", "string"]),
]


@pytest.mark.parametrize(
    ("changes", "prop", "expected"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_input_is_reported_with_field_value_and_rule(
    changes: dict[str, Any], prop: str, expected: list[str]
) -> None:
    failures = checked(**changes)
    assert [f.property for f in failures] == [prop]
    reason = failures[0].reason
    assert reason.startswith(prop) or f'"{prop}"' in reason
    for text in expected:
        assert text in reason


def test_the_invalid_table_is_large_enough() -> None:
    assert len(INVALID) >= 35


def test_a_name_refused_for_its_letters_does_not_blame_its_length() -> None:
    """ "Web" has a valid length and fails on its "W": a "(got 3)" would read as the cause."""
    [failure] = checked(image_cache_name="Web")
    assert failure.reason == (
        'image_cache_name = "Web": must be 2 to 128 characters of lowercase letters, '
        'digits and "-", starting and ending with a letter or digit'
    )


def test_a_name_refused_for_its_length_says_how_long_it_is() -> None:
    [failure] = checked(image_cache_name="a")
    assert 'image_cache_name = "a": must be 2 to 128 characters (got 1) of' in failure.reason


def test_missing_name_is_reported() -> None:
    failures = check_inputs({"images": ["nginx:1.25"]}).failures
    assert [(f.property, f.reason.split(":")[0]) for f in failures] == [
        ("image_cache_name", "image_cache_name is required")
    ]


def test_missing_images_are_reported() -> None:
    failures = check_inputs({"image_cache_name": "web"}).failures
    assert [f.property for f in failures] == ["images"]
    assert "1 to 20" in failures[0].reason


def test_every_bad_input_is_reported_at_once() -> None:
    failures = check_inputs(
        {"image_cache_name": "Web", "images": ["nginx"], "retention_days": 0, "flash": "x"}
    ).failures
    assert [f.property for f in failures] == [
        "image_cache_name",
        "images",
        "retention_days",
        "flash",
    ]


def test_every_bad_item_of_a_list_is_reported() -> None:
    failures = checked(images=["nginx", "redis:7", "Bad:1"])
    assert [f.reason.split(":")[0] for f in failures] == ["images[0]", "images[2]"]


# ---------------------------------------------------------------------------
# Passwords never appear in a failure

PASSWORD_CASES = [
    ("server-with-scheme", [cred("https://r.example.com")]),
    ("server-missing", [{"user_name": "u", "password": PASSWORD}]),
    ("user-name-missing", [{"server": "r.example.com", "password": PASSWORD}]),
    ("password-not-a-string", [cred(password=123456789)]),
    ("password-empty", [cred(password="")]),
    ("too-many", [cred(f"r{i}.example.com") for i in range(11)]),
    ("duplicate-server", [cred(), cred()]),
    ("misspelt-password-key", [{"server": "r.example.com", "user_name": "u", "pasword": PASSWORD}]),
    ("entry-not-a-map", [PASSWORD]),
]


@pytest.mark.parametrize(
    "credentials", [c[1] for c in PASSWORD_CASES], ids=[c[0] for c in PASSWORD_CASES]
)
def test_password_never_appears_in_a_failure(credentials: list[Any]) -> None:
    failures = checked(image_registry_credentials=credentials)
    assert failures
    assert all(f.property == "image_registry_credentials" for f in failures)
    for failure in failures:
        assert PASSWORD not in failure.reason
        assert "123456789" not in failure.reason


def test_a_bad_password_is_shown_as_secret() -> None:
    (failure,) = checked(image_registry_credentials=[cred(password="")])
    assert failure.reason.startswith("image_registry_credentials[0].password = <secret>")


def test_an_unknown_password_property_hides_its_value() -> None:
    (failure,) = checked(registry_password=PASSWORD)
    assert failure.property == "registry_password"
    assert PASSWORD not in failure.reason


def test_password_is_not_in_the_error_of_spec_from_inputs() -> None:
    with pytest.raises(InvalidInputsError) as caught:
        spec_from_inputs({**VALID, "image_registry_credentials": [cred("https://r.example.com")]})
    assert PASSWORD not in str(caught.value)


# ---------------------------------------------------------------------------
# Unknown values (preview)


def test_unknown_required_value_passes() -> None:
    outcome = check_inputs({**VALID, "image_cache_name": UNKNOWN})
    assert outcome.failures == []
    assert is_unknown(outcome.inputs["image_cache_name"])


def test_unknown_inside_a_list_passes_and_is_kept() -> None:
    images = ["nginx:1.25", UNKNOWN]
    outcome = check_inputs({**VALID, "images": images})
    assert outcome.failures == []
    assert outcome.inputs["images"] == images


def test_unknown_nested_in_a_credential_passes() -> None:
    outcome = checked(image_registry_credentials=[cred(password=UNKNOWN)])
    assert outcome == []


def test_unknowns_in_scalars_and_maps_pass() -> None:
    assert checked(image_cache_size=UNKNOWN, tags={"team": UNKNOWN}) == []


def test_other_fields_are_still_validated_next_to_an_unknown() -> None:
    failures = check_inputs({"image_cache_name": UNKNOWN, "images": ["nginx"]}).failures
    assert [f.property for f in failures] == ["images"]


def test_contains_unknown_looks_inside_maps_and_lists() -> None:
    assert contains_unknown({"a": [1, {"b": UNKNOWN}]})
    assert not contains_unknown({"a": [1, {"b": "c"}]})


def test_spec_from_inputs_refuses_unknown_values() -> None:
    with pytest.raises(ValueError, match="image_cache_name is still unknown"):
        spec_from_inputs({**VALID, "image_cache_name": UNKNOWN})


def test_spec_from_inputs_lists_every_failure() -> None:
    with pytest.raises(InvalidInputsError) as caught:
        spec_from_inputs({"image_cache_name": "Web", "images": ["nginx"]})
    assert [f.property for f in caught.value.failures] == ["image_cache_name", "images"]
    assert "image_cache_name" in str(caught.value)
    assert "images[0]" in str(caught.value)


def test_a_whole_number_from_the_engine_is_shown_as_the_user_wrote_it() -> None:
    [failure] = checked(image_cache_size=10.0)
    assert failure.reason.startswith("image_cache_size = 10: ")
