"""The emulator's strict wire grammar: names, required parameters, ranges (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_eci_cache.emulator.exceptions import (
    EciServiceError,
    InvalidParameter,
    MissingParameter,
)
from pulumi_eci_cache.emulator.params import parse_action_params

BASE = {"RegionId": "cn-hangzhou", "ImageCacheName": "web", "Image.1": "nginx:1.25"}


def create(**extra: str) -> dict[str, Any]:
    return parse_action_params("CreateImageCache", {**BASE, **extra})


def refused(action: str, params: dict[str, str]) -> EciServiceError:
    with pytest.raises(EciServiceError) as caught:
        parse_action_params(action, params)
    return caught.value


def test_create_flattened_lists_become_the_spec_dict() -> None:
    spec = create(
        **{
            "Image.2": "redis:7",
            "ImageRegistryCredential.1.Server": "r.example.com",
            "ImageRegistryCredential.1.UserName": "u",
            "ImageRegistryCredential.1.Password": "p",
            "AcrRegistryInfo.1.InstanceId": "cri-1",
            "AcrRegistryInfo.1.Domain.1": "a.example.com",
            "AcrRegistryInfo.1.Domain.2": "b.example.com",
            "Tag.1.Key": "team",
            "Tag.1.Value": "web",
            "ImageCacheSize": "40",
            "Flash": "true",
            "EliminationStrategy": "",
        }
    )
    assert spec == {
        "ImageCacheName": "web",
        "Images": ["nginx:1.25", "redis:7"],
        "ImageRegistryCredentials": [{"Server": "r.example.com", "UserName": "u", "Password": "p"}],
        "AcrRegistryInfos": [
            {"InstanceId": "cri-1", "Domains": ["a.example.com", "b.example.com"]}
        ],
        "Tags": [{"Key": "team", "Value": "web"}],
        "ImageCacheSize": 40,
        "Flash": True,
        "EliminationStrategy": "",
    }


def test_vendor_sdk_misspelt_acr_domain_name_is_refused_with_a_hint() -> None:
    error = refused(
        "CreateImageCache",
        {
            **BASE,
            "AcrRegistryInfo.1.InstanceId": "cri-1",
            "AcrRegistryInfo.1Domain.1": "a.example.com",
        },
    )
    assert error.code == "InvalidParameter.Unsupported"
    assert "AcrRegistryInfo.1.Domain.1" in error.message


@pytest.mark.parametrize("name", ["Foo", "Image", "Image.0", "Tag.1.Colour", "MatchImage.1"])
def test_a_name_create_does_not_define_is_unsupported(name: str) -> None:
    error = refused("CreateImageCache", {**BASE, name: "x"})
    assert error.code == "InvalidParameter.Unsupported" and name in error.message


@pytest.mark.parametrize("name", ["ZoneId", "InsecureRegistry", "PlainHttpRegistry"])
def test_update_refuses_the_replace_only_fields(name: str) -> None:
    error = refused("UpdateImageCache", {"ImageCacheId": "imc-1", name: "x"})
    assert error.code == "InvalidParameter.Unsupported"


def test_create_keeps_annotations_as_the_text_sent() -> None:
    text = '{"team": "web",  "k8s.aliyun.com/eci-xyz":"1"}'
    assert create(Annotations=text)["Annotations"] == text


@pytest.mark.parametrize(
    "value",
    ["", "team=web", '["team"]', '"web"', '{"replicas": 1}', '{"team": null}', '{"a": {"b": "c"}}'],
)
def test_annotations_that_are_not_an_object_of_strings_are_refused_and_named(value: str) -> None:
    error = refused("CreateImageCache", {**BASE, "Annotations": value})
    assert error.code == "InvalidParameter.Format"
    assert "Annotations" in error.message and repr(value) in error.message


def test_annotations_giving_a_key_twice_are_refused() -> None:
    error = refused("CreateImageCache", {**BASE, "Annotations": '{"team": "a", "team": "b"}'})
    assert error.code == "InvalidParameter.Format" and "'team' is given more than once" in (
        error.message
    )


def test_update_refuses_annotations_as_a_create_only_parameter() -> None:
    error = refused("UpdateImageCache", {"ImageCacheId": "imc-1", "Annotations": '{"a": "b"}'})
    assert error.code == "InvalidParameter.Unsupported" and "Annotations" in error.message


@pytest.mark.parametrize(
    ("action", "params", "missing"),
    [
        ("CreateImageCache", {"Image.1": "nginx:1"}, "ImageCacheName"),
        ("CreateImageCache", {"ImageCacheName": "web"}, "Image.1"),
        ("CreateImageCache", {"ImageCacheName": "web", "Image.2": "nginx:1"}, "Image.1"),
        ("UpdateImageCache", {}, "ImageCacheId"),
        ("DeleteImageCache", {}, "ImageCacheId"),
        (
            "CreateImageCache",
            {**BASE, "AcrRegistryInfo.1.InstanceName": "n"},
            "AcrRegistryInfo.1.InstanceId",
        ),
        (
            "CreateImageCache",
            {
                **BASE,
                "ImageRegistryCredential.1.Server": "r.io",
                "ImageRegistryCredential.1.UserName": "u",
            },
            "ImageRegistryCredential.1.Password",
        ),
        ("CreateImageCache", {**BASE, "Tag.1.Value": "v"}, "Tag.1.Key"),
    ],
)
def test_a_missing_required_parameter_is_named(
    action: str, params: dict[str, str], missing: str
) -> None:
    error = refused(action, params)
    assert isinstance(error, MissingParameter) and error.code == f"MissingParameter.{missing}"


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("ImageCacheSize", "19", "OutOfRange"),
        ("ImageCacheSize", "32769", "OutOfRange"),
        ("ImageCacheSize", "20.5", "Format"),
        ("RetentionDays", "0", "OutOfRange"),
        ("RetentionDays", "65537", "OutOfRange"),
        ("FlashCopyCount", "0", "OutOfRange"),
        ("StandardCopyCount", "-1", "Format"),
        ("Flash", "yes", "Format"),
        ("AutoMatchImageCache", "1", "Format"),
        ("EliminationStrategy", "FIFO", "Format"),
        ("ClientToken", "x" * 65, "Format"),
        ("ClientToken", "töken", "Format"),
        ("VSwitchId", ",".join(f"vsw-{n}" for n in range(11)), "TooMany"),
        ("ImageCacheName", "Web_Cache", "Format"),
        ("Image.1", "nginx", "Format"),
        ("ImageRegistryCredential.1.Server", "https://r.example.com", "Format"),
    ],
)
def test_an_out_of_range_value_is_invalid_and_named(name: str, value: str, kind: str) -> None:
    credential = {
        "ImageRegistryCredential.1.Server": "r.io",
        "ImageRegistryCredential.1.UserName": "u",
        "ImageRegistryCredential.1.Password": "p",
    }
    error = refused("CreateImageCache", {**BASE, **credential, name: value})
    assert isinstance(error, InvalidParameter) and error.code == f"InvalidParameter.{kind}"
    assert name in error.message


@pytest.mark.parametrize(
    ("prefix", "limit"),
    [("Image.{}", 20), ("Tag.{}.Key", 20), ("ImageRegistryCredential.{}.Server", 10)],
)
def test_too_many_list_items_are_refused(prefix: str, limit: int) -> None:
    items = {prefix.format(n): f"r{n}.io:{n}" for n in range(1, limit + 2)}
    error = refused("CreateImageCache", {**BASE, **items})
    assert error.code == "InvalidParameter.TooMany"


def test_the_limits_themselves_are_accepted() -> None:
    spec = create(
        ImageCacheSize="32768",
        RetentionDays="65536",
        **{f"Image.{n}": f"nginx:{n}" for n in range(1, 21)},
    )
    assert len(spec["Images"]) == 20


@pytest.mark.parametrize(
    ("limit", "ok"), [("1", True), ("100", True), ("0", False), ("101", False)]
)
def test_describe_limit_is_one_to_one_hundred(limit: str, ok: bool) -> None:
    if ok:
        assert parse_action_params("DescribeImageCaches", {"Limit": limit})["Limit"] == int(limit)
    else:
        assert (
            refused("DescribeImageCaches", {"Limit": limit}).code == "InvalidParameter.OutOfRange"
        )


def test_describe_accepts_every_documented_filter() -> None:
    spec = parse_action_params(
        "DescribeImageCaches",
        {
            "ImageCacheId": "imc-1",
            "ImageCacheName": "web",
            "SnapshotId": "s-1",
            "Image": "nginx:1",
            "ResourceGroupId": "rg-1",
            "Tag.1.Key": "k",
            "Tag.1.Value": "v",
            "MatchImage.1": "nginx:1",
            "ImageFullMatch": "true",
            "ImageMatchCountRequest": "2",
            "Limit": "5",
            "NextToken": "abc",
        },
    )
    assert spec["MatchImages"] == ["nginx:1"] and spec["Tags"] == [{"Key": "k", "Value": "v"}]


def test_describe_refuses_a_client_token() -> None:
    assert refused("DescribeImageCaches", {"ClientToken": "t"}).code == (
        "InvalidParameter.Unsupported"
    )


def test_sdk_owner_parameters_are_accepted_everywhere() -> None:
    owner = {
        "OwnerId": "1",
        "ResourceOwnerId": "2",
        "OwnerAccount": "a",
        "ResourceOwnerAccount": "b",
    }
    assert parse_action_params("DeleteImageCache", {"ImageCacheId": "imc-1", **owner}) == {
        "ImageCacheId": "imc-1"
    }
