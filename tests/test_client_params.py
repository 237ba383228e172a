"""Every flattened query parameter name, checked against the API reference.

The names below are copied from the ECI API reference table (not from the vendor
SDK, whose request classes have defects: see client._acr_params).
"""

from __future__ import annotations

from typing import Any

from aliyunsdkeci.request.v20180808.CreateImageCacheRequest import CreateImageCacheRequest
from aliyunsdkeci.request.v20180808.DescribeImageCachesRequest import DescribeImageCachesRequest
from aliyunsdkeci.request.v20180808.UpdateImageCacheRequest import UpdateImageCacheRequest

from pulumi_eci_cache.cloud.client import flatten_params

FULL_SPEC: dict[str, Any] = {
    "ImageCacheName": "web",
    "Images": ["docker.io/library/nginx:1.25", "docker.io/library/redis:7.2"],
    "SecurityGroupId": "sg-1",
    "VSwitchId": "vsw-1,vsw-2",
    "ZoneId": "cn-hangzhou-h",
    "EipInstanceId": "eip-1",
    "ImageCacheSize": 40,
    "RetentionDays": 7,
    "ResourceGroupId": "rg-1",
    "ImageRegistryCredentials": [
        {"Server": "r.example.com", "UserName": "u", "Password": "p"},
        {"Server": "q.example.com:5000", "UserName": "v", "Password": "w"},
    ],
    "AcrRegistryInfos": [
        {
            "InstanceId": "cri-1",
            "InstanceName": "acr",
            "RegionId": "cn-hangzhou",
            "Domains": ["a.example.com", "b.example.com"],
        }
    ],
    "Tags": [{"Key": "team", "Value": "web"}, {"Key": "env", "Value": "prod"}],
    "AutoMatchImageCache": True,
    "Flash": False,
    "FlashCopyCount": 1,
    "StandardCopyCount": 2,
    "EliminationStrategy": "LRU",
    "InsecureRegistry": "h1:5000,h2",
    "PlainHttpRegistry": "h3",
    "ClientToken": "token-1",
}

REFERENCE_CREATE_NAMES = {
    "ImageCacheName",
    "Image.1",
    "Image.2",
    "SecurityGroupId",
    "VSwitchId",
    "ZoneId",
    "EipInstanceId",
    "ImageCacheSize",
    "RetentionDays",
    "ResourceGroupId",
    "ImageRegistryCredential.1.Server",
    "ImageRegistryCredential.1.UserName",
    "ImageRegistryCredential.1.Password",
    "ImageRegistryCredential.2.Server",
    "ImageRegistryCredential.2.UserName",
    "ImageRegistryCredential.2.Password",
    "AcrRegistryInfo.1.InstanceId",
    "AcrRegistryInfo.1.InstanceName",
    "AcrRegistryInfo.1.RegionId",
    "AcrRegistryInfo.1.Domain.1",
    "AcrRegistryInfo.1.Domain.2",
    "Tag.1.Key",
    "Tag.1.Value",
    "Tag.2.Key",
    "Tag.2.Value",
    "AutoMatchImageCache",
    "Flash",
    "FlashCopyCount",
    "StandardCopyCount",
    "EliminationStrategy",
    "InsecureRegistry",
    "PlainHttpRegistry",
    "ClientToken",
}

UPDATE_ONLY_REPLACE_FIELDS = {"ZoneId", "InsecureRegistry", "PlainHttpRegistry"}


def test_create_sends_exactly_the_reference_parameter_names() -> None:
    assert set(flatten_params(CreateImageCacheRequest(), FULL_SPEC)) == REFERENCE_CREATE_NAMES


def test_update_sends_the_reference_names_for_every_in_place_field() -> None:
    spec = {k: v for k, v in FULL_SPEC.items() if k not in UPDATE_ONLY_REPLACE_FIELDS}
    names = set(flatten_params(UpdateImageCacheRequest(), {**spec, "ImageCacheId": "imc-1"}))
    expected = (REFERENCE_CREATE_NAMES - UPDATE_ONLY_REPLACE_FIELDS) | {"ImageCacheId"}
    assert names == expected


def test_acr_domains_are_flattened_with_the_dot_the_vendor_sdk_forgets() -> None:
    params = flatten_params(CreateImageCacheRequest(), FULL_SPEC)
    assert params["AcrRegistryInfo.1.Domain.2"] == "b.example.com"
    assert not any("1Domain" in name for name in params)


def test_booleans_travel_as_lowercase_words() -> None:
    params = flatten_params(CreateImageCacheRequest(), FULL_SPEC)
    assert (params["AutoMatchImageCache"], params["Flash"]) == ("true", "false")


def test_values_keep_their_order_and_text() -> None:
    params = flatten_params(CreateImageCacheRequest(), FULL_SPEC)
    assert params["Image.2"] == "docker.io/library/redis:7.2"
    assert params["ImageRegistryCredential.2.Server"] == "q.example.com:5000"
    assert params["ImageCacheSize"] == "40"


def test_describe_filters_use_the_reference_names() -> None:
    filters = {
        "ImageCacheId": "imc-1",
        "ImageCacheName": "web",
        "SnapshotId": "s-1",
        "Image": "docker.io/library/nginx:1.25",
        "ResourceGroupId": "rg-1",
        "Tags": [{"Key": "team", "Value": "web"}],
        "MatchImage": ["docker.io/library/nginx:1.25"],
        "ImageFullMatch": True,
        "ImageMatchCountRequest": True,
        "Limit": 100,
        "NextToken": "abc",
    }
    assert set(flatten_params(DescribeImageCachesRequest(), filters)) == {
        "ImageCacheId",
        "ImageCacheName",
        "SnapshotId",
        "Image",
        "ResourceGroupId",
        "Tag.1.Key",
        "Tag.1.Value",
        "MatchImage.1",
        "ImageFullMatch",
        "ImageMatchCountRequest",
        "Limit",
        "NextToken",
    }
