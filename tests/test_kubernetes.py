"""kubernetes_manifest: the ImageCache object for the same ImageCacheArgs."""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pytest
import yaml

from pulumi_eci_cache import (
    ImageCacheAcrRegistryInfoArgs,
    ImageCacheArgs,
    ImageCacheImageRegistryCredentialArgs,
    ManifestError,
    kubernetes_manifest,
)
from pulumi_eci_cache.errors import InvalidInputsError


def args(**fields: Any) -> ImageCacheArgs:
    return ImageCacheArgs(**{"image_cache_name": "web", "images": ["nginx:1.25"], **fields})


def test_a_minimal_manifest_is_a_cluster_scoped_image_cache() -> None:
    assert kubernetes_manifest("web", args()) == {
        "apiVersion": "eci.alibabacloud.com/v1",
        "kind": "ImageCache",
        "metadata": {"name": "web"},
        "spec": {"images": ["nginx:1.25"]},
    }


def test_images_are_written_exactly_as_given() -> None:
    images = ["nginx:1.25", "Registry.Example.com/team/app:2", "docker.io/library/redis:7.2"]
    assert kubernetes_manifest("web", args(images=images))["spec"]["images"] == images


def test_size_retention_and_pull_secrets_are_spec_fields() -> None:
    manifest = kubernetes_manifest(
        "web",
        args(image_cache_size=40, retention_days=7),
        image_pull_secrets=["apps:registry-login"],
    )
    assert manifest["spec"] == {
        "images": ["nginx:1.25"],
        "imagePullSecrets": ["apps:registry-login"],
        "imageCacheSize": 40,
        "retentionDays": 7,
    }


def test_the_other_inputs_become_the_documented_annotations() -> None:
    manifest = kubernetes_manifest(
        "web",
        args(
            security_group_id="sg-1",
            vswitch_id="vsw-a, vsw-b",
            resource_group_id="rg-1",
            eip_instance_id="eip-1",
            auto_match_image_cache=True,
            flash=False,
            insecure_registries=["Self.Signed.example.com:5000"],
            plain_http_registries=["h1.example.com", "h2.example.com:80"],
            acr_registry_infos=[
                ImageCacheAcrRegistryInfoArgs(instance_id="cri-1"),
                ImageCacheAcrRegistryInfoArgs(instance_id="cri-2", region_id="cn-beijing"),
            ],
            timeout="90m",
        ),
    )
    assert manifest["metadata"]["annotations"] == {
        "k8s.aliyun.com/security-group-id": "sg-1",
        "k8s.aliyun.com/vswitch-ids": "vsw-a,vsw-b",
        "k8s.aliyun.com/resource-group-id": "rg-1",
        "k8s.aliyun.com/eip-instance-id": "eip-1",
        "k8s.aliyun.com/imc-enable-reuse": "true",
        "k8s.aliyun.com/imc-enable-flash": "false",
        "k8s.aliyun.com/insecure-registry": "Self.Signed.example.com:5000",
        "k8s.aliyun.com/plain-http-registry": "h1.example.com,h2.example.com:80",
        "k8s.aliyun.com/acr-instance-ids": "cri-1,cn-beijing:cri-2",
    }


def test_the_manifest_is_plain_yaml() -> None:
    manifest = kubernetes_manifest("web", args(flash=True, image_cache_size=40))
    assert yaml.safe_load(yaml.safe_dump(manifest)) == manifest


def test_registry_passwords_are_refused_pointing_to_image_pull_secrets() -> None:
    credentials = [
        ImageCacheImageRegistryCredentialArgs(
            server="r.example.com", user_name="u", password="hunter22"
        )
    ]
    with pytest.raises(ManifestError) as caught:
        kubernetes_manifest("web", args(image_registry_credentials=credentials))
    assert "image_registry_credentials" in str(caught.value)
    assert "image_pull_secrets" in str(caught.value)
    assert "hunter22" not in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value", "way_out"),
    [
        ("zone_id", "cn-hangzhou-h", "vswitch_id"),
        ("tags", {"team": "web"}, "label the Kubernetes object"),
        ("flash_copy_count", 2, "leave it unset"),
        ("standard_copy_count", 2, "leave it unset"),
        ("elimination_strategy", "LRU", "leave it unset"),
        ("adopt_image_cache_id", "imc-1", "cannot take over an existing cache"),
    ],
)
def test_inputs_the_crd_has_no_place_for_are_refused_saying_what_to_do(
    field: str, value: Any, way_out: str
) -> None:
    with pytest.raises(ManifestError) as caught:
        kubernetes_manifest("web", args(**{field: value}))
    assert f"{field}:" in str(caught.value) and way_out in str(caught.value)


def test_acr_domains_are_refused_since_the_annotation_names_instances_only() -> None:
    acr = [ImageCacheAcrRegistryInfoArgs(instance_id="cri-1", domains=["a.example.com"])]
    with pytest.raises(ManifestError, match=r"acr_registry_infos\[0\]\.domains"):
        kubernetes_manifest("web", args(acr_registry_infos=acr))


def test_invalid_inputs_fail_the_model_naming_the_field() -> None:
    with pytest.raises(InvalidInputsError) as caught:
        kubernetes_manifest("web", args(image_cache_size=10))
    assert "image_cache_size = 10" in str(caught.value)


def test_a_value_not_known_yet_is_refused_naming_the_field() -> None:
    async def with_an_output() -> None:
        group = pulumi.Output.from_input("sg-1")
        await group.future()  # settled: no pending Output outlives this event loop
        kubernetes_manifest("web", args(security_group_id=group))

    with pytest.raises(ManifestError, match=r"security_group_id not known yet.*\.apply"):
        asyncio.run(with_an_output())


@pytest.mark.parametrize("name", ["Web", "-web", "", "web_cache"])
def test_the_object_name_must_be_a_kubernetes_name(name: str) -> None:
    with pytest.raises(ManifestError, match="name"):
        kubernetes_manifest(name, args())


@pytest.mark.parametrize("secret", ["registry-login", "apps:", ":login", "Apps:login"])
def test_a_pull_secret_must_be_namespace_colon_name(secret: str) -> None:
    with pytest.raises(ManifestError, match=r"image_pull_secrets\[0\]"):
        kubernetes_manifest("web", args(), image_pull_secrets=[secret])


def test_the_caches_annotations_are_the_objects_own() -> None:
    from pulumi_eci_cache import ImageCacheArgs, kubernetes_manifest

    args = ImageCacheArgs(
        image_cache_name="web", images=["nginx:1.25"], annotations={"team": "web"}, flash=True
    )
    annotations = kubernetes_manifest("web", args)["metadata"]["annotations"]
    assert annotations == {"team": "web", "k8s.aliyun.com/imc-enable-flash": "true"}


def test_a_region_has_no_place_in_the_object() -> None:
    from pulumi_eci_cache import ImageCacheArgs, ManifestError, kubernetes_manifest

    args = ImageCacheArgs(image_cache_name="web", images=["nginx:1.25"], region="cn-shanghai")
    with pytest.raises(ManifestError, match="region: the ImageCache object has no region"):
        kubernetes_manifest("web", args)
