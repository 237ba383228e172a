"""Which cache bearing a resource's identity a create takes as its own (pure rules)."""

from __future__ import annotations

import time
from typing import Any

from pulumi_eci_cache.rules.adoption import bearing_identity, duration, plan_adoption
from pulumi_eci_cache.rules.identity import IDENTITY_TAG

NOW = 1_798_761_600.0  # 2027-01-01T00:00:00Z
HOUR = 3600.0


def cache(
    cache_id: str = "imc-1",
    *,
    age: float = 60.0,
    name: str = "web",
    images: tuple[str, ...] = ("nginx:1.25",),
    status: str = "Ready",
) -> dict[str, Any]:
    return {
        "ImageCacheId": cache_id,
        "ImageCacheName": name,
        "Images": list(images),
        "Status": status,
        "CreationTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - age)),
    }


def plan(*candidates: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    return plan_adoption(
        list(candidates),
        name="web",
        images=["docker.io/library/nginx:1.25"],
        timeout=HOUR,
        now=NOW,
        seen_ids=set(seen),
    )


def test_nothing_bearing_the_identity_means_a_plain_create() -> None:
    result = plan()
    assert (result.adopt, result.delete, result.refusal) == (None, (), None)


def test_a_young_cache_with_the_same_name_and_images_is_adopted() -> None:
    assert plan(cache(age=10 * 60)).adopt == "imc-1"


def test_images_are_compared_canonically_for_adoption() -> None:
    assert plan(cache(images=("docker.io/library/nginx:1.25",))).adopt == "imc-1"


def test_a_cache_older_than_the_timeout_is_refused() -> None:
    result = plan(cache(age=2 * HOUR))
    assert result.adopt is None
    assert result.refusal is not None
    assert "imc-1" in result.refusal and "older than this resource's timeout (1h)" in result.refusal


def test_a_cache_with_another_name_is_refused() -> None:
    result = plan(cache(name="api"))
    assert result.refusal is not None and 'its name is "api", not "web"' in result.refusal


def test_a_cache_the_state_holds_is_left_alone() -> None:
    # The cache a replacement replaces bears the same identity.
    result = plan(cache(age=2 * HOUR, images=("redis:7",)), seen=("imc-1",))
    assert (result.adopt, result.delete, result.refusal) == (None, (), None)


def test_an_own_failed_cache_is_deleted_not_adopted() -> None:
    result = plan(cache(status="Failed"))
    assert (result.adopt, result.delete, result.refusal) == (None, ("imc-1",), None)


def test_two_caches_that_could_both_be_ours_are_refused_as_ambiguous() -> None:
    result = plan(cache("imc-1"), cache("imc-2"))
    assert result.adopt is None and result.refusal is not None
    assert "more than one cache could be" in result.refusal


def test_the_refusal_names_id_name_age_status_and_the_ways_out() -> None:
    refusal = plan(cache(age=26 * HOUR, status="Ready")).refusal
    assert refusal == (
        "not creating, because 1 cache bears this resource's identity (same Pulumi "
        "organization, project, stack, resource name and credentials) but cannot be its "
        'own interrupted create, so it is not taken over: imc-1 ("web", 1d 2h old, Ready): '
        "it is older than this resource's timeout (1h). Delete imc-1 if unused, or take one "
        'over deliberately with adopt_image_cache_id="imc-1", then run the update again.'
    )


def test_bearing_identity_matches_the_tag_key_and_value() -> None:
    ours = {**cache("imc-1"), "Tags": [{"Key": IDENTITY_TAG, "Value": "abc"}]}
    theirs = {**cache("imc-2"), "Tags": [{"Key": IDENTITY_TAG, "Value": "xyz"}]}
    untagged = cache("imc-3")
    found = bearing_identity({"imc-1": ours, "imc-2": theirs, "imc-3": untagged}, "abc")
    assert [c["ImageCacheId"] for c in found] == ["imc-1"]


def test_durations_read_at_a_glance() -> None:
    assert [duration(s) for s in (0, 45, 3600, 3725, 93784)] == [
        "0s",
        "45s",
        "1h",
        "1h 2m",
        "1d 2h",
    ]
