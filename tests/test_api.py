"""What goes on the wire and comes back: requests, outputs and what refresh reads back."""

from __future__ import annotations

from typing import Any

from pulumi_eci_cache.rules.api import (
    OUTPUT_FIELDS,
    UPDATE_DEFAULTS,
    create_request,
    identity_tag_of,
    live_inputs,
    outputs_from_cache,
    retention_of,
    update_request,
)
from pulumi_eci_cache.rules.check import spec_from_inputs
from pulumi_eci_cache.rules.identity import IDENTITY_TAG

VALID: dict[str, Any] = {"image_cache_name": "web", "images": ["nginx:1.25"]}


def cred(server: str = "r.example.com", **changes: Any) -> dict[str, Any]:
    return {"server": server, "user_name": "deploy", "password": "p4ss", **changes}


def test_the_request_gives_every_parameter_by_its_api_name() -> None:
    spec = spec_from_inputs(
        {
            "image_cache_name": "web",
            "images": ["nginx:1.25"],
            "security_group_id": "sg-1",
            "vswitch_id": "vsw-1,vsw-2",
            "zone_id": "cn-hangzhou-h",
            "eip_instance_id": "eip-1",
            "image_cache_size": 20,
            "retention_days": 7,
            "resource_group_id": "rg-1",
            "image_registry_credentials": [
                {"server": "r.example.com", "user_name": "u", "password": "p"}
            ],
            "acr_registry_infos": [
                {
                    "instance_id": "cri-1",
                    "instance_name": "n",
                    "region_id": "cn-hangzhou",
                    "domains": ["a.example.com"],
                }
            ],
            "tags": {"team": "web"},
            "auto_match_image_cache": True,
            "flash": False,
            "flash_copy_count": 1,
            "standard_copy_count": 1,
            "elimination_strategy": "LRU",
            "insecure_registries": ["h1:5000", "h2"],
            "plain_http_registries": ["h3"],
            "timeout": "10m",
            "annotations": {"team": "web", "example.com/owner": "ops"},
            "region": "cn-hangzhou",
        }
    )
    assert create_request(spec) == {
        "ImageCacheName": "web",
        "Images": ["nginx:1.25"],
        "SecurityGroupId": "sg-1",
        "VSwitchId": "vsw-1,vsw-2",
        "ZoneId": "cn-hangzhou-h",
        "EipInstanceId": "eip-1",
        "ImageCacheSize": 20,
        "RetentionDays": 7,
        "ResourceGroupId": "rg-1",
        "ImageRegistryCredentials": [{"Server": "r.example.com", "UserName": "u", "Password": "p"}],
        "AcrRegistryInfos": [
            {
                "InstanceId": "cri-1",
                "InstanceName": "n",
                "RegionId": "cn-hangzhou",
                "Domains": ["a.example.com"],
            }
        ],
        "Tags": [{"Key": "team", "Value": "web"}],
        "AutoMatchImageCache": True,
        "Flash": False,
        "FlashCopyCount": 1,
        "StandardCopyCount": 1,
        "EliminationStrategy": "LRU",
        "InsecureRegistry": "h1:5000,h2",
        "PlainHttpRegistry": "h3",
        "Annotations": '{"example.com/owner":"ops","team":"web"}',
    }


def test_the_request_leaves_out_what_is_not_set() -> None:
    spec = spec_from_inputs(
        {**VALID, "security_group_id": "", "elimination_strategy": "", "tags": {}}
    )
    assert create_request(spec) == {
        "ImageCacheName": "web",
        "Images": ["nginx:1.25"],
    }


def test_the_request_leaves_out_empty_acr_fields() -> None:
    spec = spec_from_inputs({**VALID, "acr_registry_infos": [{"instance_id": "cri-1"}]})
    assert create_request(spec)["AcrRegistryInfos"] == [{"InstanceId": "cri-1"}]


def test_the_request_sorts_tags_by_key() -> None:
    spec = spec_from_inputs({**VALID, "tags": {"b": "2", "a": "1"}})
    assert create_request(spec)["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]


def test_the_api_request_carries_images_and_hosts_exactly_as_written() -> None:
    spec = spec_from_inputs(
        {
            **VALID,
            "images": ["centos:latest", "Registry.Example.com/team/app:1"],
            "image_registry_credentials": [cred("Registry.Example.com")],
        }
    )
    api = create_request(spec)
    assert api["Images"] == ["centos:latest", "Registry.Example.com/team/app:1"]
    assert api["ImageRegistryCredentials"][0]["Server"] == "Registry.Example.com"


def test_the_request_carries_the_identity_tag_after_the_users_tags() -> None:
    spec = spec_from_inputs({**VALID, "tags": {"team": "web"}})
    assert create_request(spec, "abc")["Tags"] == [
        {"Key": "team", "Value": "web"},
        {"Key": IDENTITY_TAG, "Value": "abc"},
    ]


def test_annotations_go_as_json_with_their_keys_sorted() -> None:
    spec = spec_from_inputs({**VALID, "annotations": {"b": "2", "a": "1"}})
    assert create_request(spec)["Annotations"] == '{"a":"1","b":"2"}'


def test_an_update_sends_api_defaults_for_what_the_user_removed() -> None:
    api = update_request(spec_from_inputs(VALID))
    assert {key: api[key] for key in UPDATE_DEFAULTS} == {
        "ImageCacheSize": 20,
        "AutoMatchImageCache": False,
        "Flash": False,
        "EliminationStrategy": "",
    }


def test_an_update_leaves_out_what_update_image_cache_cannot_change() -> None:
    spec = spec_from_inputs(
        {
            **VALID,
            "zone_id": "cn-hangzhou-h",
            "insecure_registries": ["h1"],
            "plain_http_registries": ["h2"],
            "annotations": {"a": "1"},
        }
    )
    api = update_request(spec)
    assert not {"ZoneId", "InsecureRegistry", "PlainHttpRegistry", "Annotations"} & set(api)


def test_the_identity_tag_of_a_cache_is_found_among_its_tags() -> None:
    cache = {"Tags": [{"Key": "team", "Value": "x"}, {"Key": IDENTITY_TAG, "Value": "v"}]}
    assert identity_tag_of(cache) == "v"
    assert identity_tag_of({"Tags": []}) is None


LIVE = {
    "ImageCacheId": "imc-1",
    "ImageCacheName": "web",
    "Status": "Ready",
    "Progress": "100%",
    "Images": ["docker.io/library/nginx:1.25"],
    "ImageCacheSize": 40,
    "RegionId": "cn-hangzhou",
    "Tags": [{"Key": "team", "Value": "web"}, {"Key": IDENTITY_TAG, "Value": "v"}],
    "EliminationStrategy": "",
    "Events": [{"Name": "imc-1", "Reason": "Pulled", "Count": 1, "Type": "Normal"}],
}


def test_outputs_name_every_output_field_that_describe_shows() -> None:
    outs = outputs_from_cache(LIVE)
    # account_id is the provider's own knowledge (who it acts as), not Describe's.
    assert set(outs) == set(OUTPUT_FIELDS) - {"account_id"}
    assert (outs["image_cache_id"], outs["status"], outs["region_id"]) == (
        "imc-1",
        "Ready",
        "cn-hangzhou",
    )
    assert outs["events"] == [{"name": "imc-1", "reason": "Pulled", "count": 1, "type": "Normal"}]


def test_refresh_reads_back_what_describe_shows() -> None:
    inputs = live_inputs(LIVE, {**VALID, "zone_id": "cn-hangzhou-h"})
    assert inputs["image_cache_size"] == 40
    assert inputs["tags"] == {"team": "web"}
    assert inputs["zone_id"] == "cn-hangzhou-h"  # write-only: kept as stored


def test_refresh_keeps_the_stored_spelling_of_the_same_images() -> None:
    assert live_inputs(LIVE, VALID)["images"] == ["nginx:1.25"]


def test_refresh_takes_the_live_images_when_they_differ() -> None:
    live = {**LIVE, "Images": ["redis:7.2"]}
    assert live_inputs(live, VALID)["images"] == ["redis:7.2"]


def test_an_import_reads_every_field_describe_shows() -> None:
    assert live_inputs(LIVE, {}) == {
        "image_cache_name": "web",
        "images": ["docker.io/library/nginx:1.25"],
        "image_cache_size": 40,
        "tags": {"team": "web"},
    }


def test_the_secret_values_of_a_request_are_its_registry_passwords() -> None:
    from pulumi_eci_cache.rules.api import secret_values

    request = {
        "ImageCacheName": "web",
        "ImageRegistryCredentials": [
            {"Server": "r.example.com", "UserName": "u", "Password": "pa55-one"},
            {"Server": "q.example.com", "UserName": "v", "Password": "pa55-two"},
        ],
    }
    assert secret_values(request) == ["pa55-one", "pa55-two"]


# ------------------------------------------------------------------ derived retention


def test_the_retention_is_the_whole_days_between_creation_and_expiry() -> None:
    cache = {"CreationTime": "2026-12-01T10:00:00Z", "ExpireDateTime": "2026-12-08T10:00:00Z"}
    assert retention_of(cache) == 7


def test_stamps_without_seconds_give_the_retention_too() -> None:
    cache = {"CreationTime": "2026-12-01T10:00Z", "ExpireDateTime": "2026-12-31T10:00Z"}
    assert retention_of(cache) == 30


def test_a_cache_that_never_expires_has_no_derived_retention() -> None:
    assert retention_of({"CreationTime": "2026-12-01T10:00:00Z", "ExpireDateTime": ""}) is None


def test_an_expiry_that_is_no_whole_number_of_days_gives_no_retention() -> None:
    # e.g. a failed cache the service removes after about a day
    cache = {"CreationTime": "2026-12-01T10:00:00Z", "ExpireDateTime": "2026-12-02T13:27:00Z"}
    assert retention_of(cache) is None


def test_refresh_reads_a_retention_changed_elsewhere() -> None:
    cache = {
        "ImageCacheName": "web",
        "Images": ["nginx:1.25"],
        "CreationTime": "2026-12-01T10:00:00Z",
        "ExpireDateTime": "2026-12-15T10:00:00Z",
    }
    assert live_inputs(cache, {**VALID, "retention_days": 7})["retention_days"] == 14
