"""The auto-match ranking (matching.py): which caches a pod could get, best first."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_eci_cache.rules.matching import rank_caches

NGINX = "docker.io/library/nginx:1.25"
REDIS = "docker.io/library/redis:7.2"


def cache(
    cache_id: str,
    images: list[str],
    *,
    status: str = "Ready",
    size: int = 20,
    created: str = "2027-01-01T00:00:00Z",
) -> dict[str, Any]:
    return {
        "ImageCacheId": cache_id,
        "ImageCacheName": f"name-{cache_id}",
        "Status": status,
        "Images": images,
        "ImageCacheSize": size,
        "CreationTime": created,
    }


def ids(caches: list[dict[str, Any]], images: list[str], **options: Any) -> list[str]:
    return [m.image_cache_id for m in rank_caches(caches, images, **options)]


def test_the_cache_holding_every_image_ranks_before_one_holding_fewer() -> None:
    caches = [cache("one", [NGINX]), cache("both", [NGINX, REDIS])]
    assert ids(caches, [NGINX, REDIS]) == ["both", "one"]


def test_a_cache_holding_none_of_the_images_is_not_a_candidate() -> None:
    caches = [cache("other", ["docker.io/library/postgres:16"]), cache("one", [NGINX])]
    assert ids(caches, [NGINX, REDIS]) == ["one"]


def test_the_same_repository_in_another_tag_is_a_weaker_match() -> None:
    caches = [cache("old-tag", ["nginx:1.24"]), cache("exact", [NGINX])]
    ranked = rank_caches(caches, ["nginx:1.25"])
    assert [m.image_cache_id for m in ranked] == ["exact", "old-tag"]
    assert (ranked[1].matched_images, ranked[1].repository_images) == ([], ["nginx:1.25"])


def test_sharing_only_the_registry_is_no_match() -> None:
    caches = [cache("same-registry", ["registry.example.com/team/api:1"])]
    assert ids(caches, ["registry.example.com/team/web:1"]) == []


def test_images_are_compared_canonically_whichever_side_is_short() -> None:
    caches = [cache("short", ["nginx:1.25"]), cache("long", [REDIS])]
    ranked = rank_caches(caches, [NGINX, "redis:7.2"])
    assert {m.image_cache_id: m.matched_images for m in ranked} == {
        "short": [NGINX],
        "long": ["redis:7.2"],
    }


@pytest.mark.parametrize("status", ["Preparing", "Creating", "Updating", "Failed", "UpdateFailed"])
def test_only_ready_caches_are_candidates(status: str) -> None:
    assert ids([cache("c", [NGINX], status=status)], [NGINX]) == []


def test_at_an_equal_match_the_smaller_cache_ranks_first() -> None:
    caches = [cache("big", [NGINX], size=100), cache("small", [NGINX], size=20)]
    assert ids(caches, [NGINX]) == ["small", "big"]


def test_at_an_equal_size_the_cache_with_fewer_unused_images_ranks_first() -> None:
    caches = [cache("extra", [NGINX, REDIS]), cache("just", [NGINX])]
    assert ids(caches, [NGINX]) == ["just", "extra"]


def test_at_an_equal_match_and_size_the_newest_cache_ranks_first() -> None:
    caches = [
        cache("old", [NGINX], created="2027-01-01T00:00:00Z"),
        cache("new", [NGINX], created="2027-01-02T00:00:00Z"),
    ]
    assert ids(caches, [NGINX]) == ["new", "old"]


def test_match_degree_outranks_size_and_age() -> None:
    caches = [
        cache("both-big-old", [NGINX, REDIS], size=200, created="2026-01-01T00:00:00Z"),
        cache("one-small-new", [NGINX], size=20, created="2027-06-01T00:00:00Z"),
    ]
    assert ids(caches, [NGINX, REDIS]) == ["both-big-old", "one-small-new"]


def test_a_cache_larger_than_the_ephemeral_storage_does_not_fit() -> None:
    caches = [cache("big", [NGINX], size=60), cache("fits", [NGINX], size=40)]
    assert ids(caches, [NGINX], ephemeral_storage_gib=50) == ["fits"]


def test_perfect_match_keeps_only_caches_holding_every_image_exactly() -> None:
    caches = [cache("one", [NGINX]), cache("both", [NGINX, REDIS])]
    assert ids(caches, [NGINX, REDIS], perfect_match=True) == ["both"]


def test_match_count_keeps_caches_holding_that_many_images_exactly() -> None:
    caches = [
        cache("none-exact", ["nginx:1.24", "redis:7.0"]),
        cache("one", [NGINX]),
        cache("both", [NGINX, REDIS]),
    ]
    assert ids(caches, [NGINX, REDIS], match_count=1) == ["both", "one"]
    assert ids(caches, [NGINX, REDIS], match_count=2) == ["both"]


def test_perfect_match_wins_over_match_count() -> None:
    caches = [cache("one", [NGINX]), cache("both", [NGINX, REDIS])]
    assert ids(caches, [NGINX, REDIS], perfect_match=True, match_count=1) == ["both"]


@pytest.mark.parametrize("bad", [0, -1, True, "2", 1.5])
def test_match_count_must_be_a_positive_whole_number(bad: Any) -> None:
    with pytest.raises(ValueError, match="match_count"):
        rank_caches([], [NGINX], match_count=bad)


@pytest.mark.parametrize("bad", ["nginx:1.25", [], [1]])
def test_images_must_be_a_non_empty_list_of_references(bad: Any) -> None:
    with pytest.raises(ValueError, match="images"):
        rank_caches([], bad)


def test_ties_keep_the_order_the_caches_were_listed_in() -> None:
    caches = [cache("first", [NGINX]), cache("second", [NGINX])]
    assert ids(caches, [NGINX]) == ["first", "second"]


def test_an_image_the_pod_lists_twice_counts_once_as_written_first() -> None:
    [match] = rank_caches([cache("c", [NGINX])], ["nginx:1.25", NGINX])
    assert match.matched_images == ["nginx:1.25"]
    assert match.reason.startswith("holds all 1 image(s) exactly")


def test_the_reason_is_one_line_naming_matches_size_and_age() -> None:
    [match] = rank_caches([cache("c", [NGINX, "redis:7.0"], size=40)], [NGINX, REDIS])
    assert "\n" not in match.reason
    assert match.reason == (
        f"holds 1 of 2 image(s) exactly ({NGINX}); 1 more in another tag ({REDIS}); "
        "1 other cached image(s); 40 GiB, created 2027-01-01T00:00:00Z"
    )
