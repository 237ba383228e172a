"""Finding and using caches under the real pulumi CLI, against the served emulator.

examples/lookup (the lookups' filters, the auto-match ranking, the pod annotations),
examples/kubernetes (the ImageCache object and a Deployment pinned to the cache, as
YAML files and stack outputs), and a preview of a stack of caches with no
credentials at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import FAST_POLLING, PulumiStack, ServedEmulator

pytestmark = pytest.mark.e2e


@pytest.fixture
def lookup_outputs(pulumi_stack: Any, served_emulator: ServedEmulator) -> dict[str, Any]:
    """examples/lookup up, beside a cache made outside Pulumi that is still building."""
    served_emulator.post("config", {"build_seconds": 3600})
    with served_emulator.client() as client:
        client.create_image_cache({"ImageCacheName": "lookup-building", "Images": ["nginx:1.25"]})
    served_emulator.post("config", {"build_seconds": 1})
    stack: PulumiStack = pulumi_stack("examples/lookup", config=FAST_POLLING)
    stack.up()
    return stack.outputs()


def test_the_name_regex_lists_every_cache_whatever_its_status(
    lookup_outputs: dict[str, Any],
) -> None:
    assert sorted(lookup_outputs["all_names"]) == [
        "lookup-batch",
        "lookup-building",
        "lookup-full",
        "lookup-redis",
        "lookup-web",
    ]


def test_the_image_filter_compares_images_canonically(lookup_outputs: dict[str, Any]) -> None:
    assert lookup_outputs["with_redis"] == ["lookup-full"]  # stored as "redis:7.2"


def test_the_status_filter_leaves_out_the_cache_still_building(
    lookup_outputs: dict[str, Any],
) -> None:
    assert sorted(lookup_outputs["ready_nginx"]) == ["lookup-full", "lookup-web"]


def test_the_name_and_snapshot_id_filters_find_their_cache(
    lookup_outputs: dict[str, Any],
) -> None:
    assert lookup_outputs["by_name"] == [lookup_outputs["cache_ids"]["lookup-web"]]
    assert lookup_outputs["by_snapshot"] == ["lookup-full"]


def test_the_ranking_puts_every_image_first_then_fewer_and_leaves_out_no_match(
    lookup_outputs: dict[str, Any],
) -> None:
    ranking = lookup_outputs["ranking"]
    assert [m["image_cache_name"] for m in ranking] == [
        "lookup-full",
        "lookup-web",
        "lookup-redis",
    ]
    assert ranking[0]["matched_images"] == ["nginx:1.25", "redis:7.2"]
    assert ranking[1]["matched_images"] == ["nginx:1.25"]
    assert ranking[2]["repository_images"] == ["redis:7.2"]
    assert ranking[0]["reason"].startswith("holds all 2 image(s) exactly")
    assert lookup_outputs["best"] == lookup_outputs["cache_ids"]["lookup-full"]


def test_the_pod_annotations_pin_the_cache_or_ask_for_auto_match(
    lookup_outputs: dict[str, Any],
) -> None:
    assert lookup_outputs["pinned_annotations"] == {
        "k8s.aliyun.com/eci-image-snapshot-id": lookup_outputs["cache_ids"]["lookup-full"]
    }
    assert lookup_outputs["auto_match_annotations"] == {
        "k8s.aliyun.com/eci-image-cache": "true",
        "k8s.aliyun.com/imc-perfect-match": "true",
    }


def test_the_kubernetes_example_writes_and_exports_the_manifests(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack: PulumiStack = pulumi_stack("examples/kubernetes", config=FAST_POLLING)
    stack.up()
    outputs = stack.outputs()
    image_cache = outputs["image_cache_manifest"]
    assert (image_cache["apiVersion"], image_cache["kind"]) == (
        "eci.alibabacloud.com/v1",
        "ImageCache",
    )
    assert image_cache["spec"]["images"] == ["nginx:1.25", "redis:7.2"]
    assert image_cache["spec"]["imagePullSecrets"] == ["apps:registry-login"]
    assert image_cache["metadata"]["annotations"] == {"k8s.aliyun.com/imc-enable-reuse": "true"}
    template = outputs["deployment"]["spec"]["template"]
    assert template["metadata"]["annotations"] == {
        "k8s.aliyun.com/eci-image-snapshot-id": outputs["image_cache_id"]
    }
    assert [c["image"] for c in template["spec"]["containers"]] == ["nginx:1.25", "redis:7.2"]
    written = [yaml.safe_load((stack.project_dir / f).read_text()) for f in outputs["files"]]
    assert written == [image_cache, outputs["deployment"]]
    assert [c["ImageCacheId"] for c in served_emulator.caches()] == [outputs["image_cache_id"]]


def test_a_stack_of_caches_previews_with_no_credentials_and_no_api_call(
    pulumi_stack: Any, served_emulator: ServedEmulator, tmp_path: Path
) -> None:
    home = tmp_path / "empty-home"  # no aliyun CLI profile, no credentials file
    home.mkdir()
    stack: PulumiStack = pulumi_stack(
        "examples/multi-zone",
        emulator=None,
        config={"eci-cache:endpoint": served_emulator.url},
        env={"HOME": str(home)},
    )
    assert not [k for k in stack.env if k.startswith(("ALIBABA_CLOUD_", "ALICLOUD_"))]
    assert "alicloud:" not in stack.run("config", "--json").stdout
    steps = stack.preview_json()["steps"]
    assert [s["op"] for s in steps if s["urn"].endswith("-cache")] == ["create", "create"]
    assert served_emulator.get("calls")["calls"] == {}
