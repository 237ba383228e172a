"""How a pod asks for a cache: the annotations, and ImageCache.pod_annotations()."""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pytest

from pulumi_eci_cache import ImageCache, auto_match_annotations
from pulumi_eci_cache.rules.pods import pinned_annotations


def test_auto_match_alone_asks_for_the_best_cache() -> None:
    assert auto_match_annotations() == {"k8s.aliyun.com/eci-image-cache": "true"}


def test_perfect_match_adds_its_annotation() -> None:
    assert auto_match_annotations(perfect_match=True) == {
        "k8s.aliyun.com/eci-image-cache": "true",
        "k8s.aliyun.com/imc-perfect-match": "true",
    }


def test_match_count_is_written_as_a_string() -> None:
    annotations = auto_match_annotations(match_count=2)
    assert annotations["k8s.aliyun.com/imc-match-count-request"] == "2"


@pytest.mark.parametrize("bad", [0, True, "2"])
def test_a_bad_match_count_is_refused_naming_it(bad: Any) -> None:
    with pytest.raises(ValueError, match="match_count"):
        auto_match_annotations(match_count=bad)


def test_perfect_match_must_be_a_boolean() -> None:
    with pytest.raises(ValueError, match="perfect_match"):
        auto_match_annotations(perfect_match="yes")  # type: ignore[arg-type]


def test_pinning_names_the_cache_id() -> None:
    assert pinned_annotations("imc-123") == {"k8s.aliyun.com/eci-image-snapshot-id": "imc-123"}


def test_pinning_to_no_id_is_refused() -> None:
    with pytest.raises(ValueError, match="auto_match_annotations"):
        pinned_annotations("")


def test_a_cache_gives_the_annotation_pinning_a_pod_to_it() -> None:
    cache = ImageCache.__new__(ImageCache)  # the method only reads image_cache_id

    async def resolve() -> Any:
        cache.image_cache_id = pulumi.Output.from_input("imc-web")
        return await cache.pod_annotations().future()

    assert asyncio.run(resolve()) == {"k8s.aliyun.com/eci-image-snapshot-id": "imc-web"}
