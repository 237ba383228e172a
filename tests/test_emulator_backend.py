"""EciBackend without HTTP: the status machine, failures, expiry, idempotency, filters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_eci_cache.emulator import TRANSITIONS, EciBackend, FakeClock, ImageCache
from pulumi_eci_cache.emulator.exceptions import (
    IdempotentParameterMismatch,
    IncorrectImageCacheStatus,
    InvalidImageCacheIdNotFound,
    InvalidParameter,
    QuotaExceeded,
)

REGION = "cn-hangzhou"
NGINX = "docker.io/library/nginx:1.25"
REDIS = "docker.io/library/redis:7"
ANNOTATIONS = '{"team": "web", "k8s.aliyun.com/eci-xyz": "1"}'


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def backend(clock: FakeClock) -> EciBackend:
    return EciBackend(clock=clock, build_seconds=10)


def create(backend: EciBackend, name: str = "web", **spec: Any) -> ImageCache:
    return backend.create_image_cache(REGION, {"ImageCacheName": name, "Images": [NGINX], **spec})


def status(backend: EciBackend, cache: ImageCache) -> tuple[str, str]:
    api = backend.find(REGION, cache.cache_id).to_api()
    return api["Status"], api["Progress"]


def ready(backend: EciBackend, clock: FakeClock, **spec: Any) -> ImageCache:
    cache = create(backend, **spec)
    clock.advance(10)
    assert status(backend, cache)[0] == "Ready"
    return cache


def test_new_cache_is_preparing_at_zero_percent(backend: EciBackend) -> None:
    assert status(backend, create(backend)) == ("Preparing", "0%")


def test_cache_is_creating_with_rising_progress_after_the_preparing_share(
    backend: EciBackend, clock: FakeClock
) -> None:
    cache = create(backend)
    clock.advance(1)
    assert status(backend, cache) == ("Creating", "0%")
    clock.advance(4.6)
    assert status(backend, cache) == ("Creating", "51%")


def test_cache_is_ready_at_full_progress_after_build_seconds(
    backend: EciBackend, clock: FakeClock
) -> None:
    cache = create(backend)
    clock.advance(10)
    assert status(backend, cache) == ("Ready", "100%")
    assert backend.find(REGION, cache.cache_id).snapshot_id.startswith("s-")


def test_zero_build_seconds_makes_caches_ready_immediately(clock: FakeClock) -> None:
    backend = EciBackend(clock=clock, build_seconds=0)
    assert status(backend, create(backend)) == ("Ready", "100%")


def test_normal_build_records_created_pulling_pulled_and_succeeded_events(
    backend: EciBackend, clock: FakeClock
) -> None:
    cache = ready(backend, clock)
    events = backend.find(REGION, cache.cache_id).to_api()["Events"]
    assert [e["Reason"] for e in events] == ["Created", "Pulling", "Pulled", "Succeeded"]
    assert {e["Type"] for e in events} == {"Normal"}
    assert set(events[0]) == {
        "Name",
        "Reason",
        "Message",
        "Type",
        "Count",
        "FirstTimestamp",
        "LastTimestamp",
    }


def test_unpullable_image_makes_the_build_fail_with_a_warning_naming_it(
    backend: EciBackend, clock: FakeClock
) -> None:
    backend.set_unpullable_images({REDIS: "manifest unknown"})
    cache = create(backend, Images=[NGINX, REDIS])
    clock.advance(10)
    assert status(backend, cache)[0] == "Failed"
    warnings = [e for e in backend.find(REGION, cache.cache_id).events if e["Type"] == "Warning"]
    assert warnings[0]["Reason"] == "PullImageFailed"
    assert REDIS in warnings[0]["Message"] and "manifest unknown" in warnings[0]["Message"]


def test_update_rebuilds_through_updating_to_ready(backend: EciBackend, clock: FakeClock) -> None:
    cache = ready(backend, clock)
    backend.update_image_cache(REGION, cache.cache_id, {"Images": [REDIS]})
    clock.advance(5)
    assert status(backend, cache) == ("Updating", "50%")
    clock.advance(5)
    assert status(backend, cache) == ("Ready", "100%")
    assert backend.find(REGION, cache.cache_id).to_api()["Images"] == [REDIS]


def update_failed(backend: EciBackend, clock: FakeClock) -> ImageCache:
    cache = ready(backend, clock)
    backend.set_unpullable_images([REDIS])
    backend.update_image_cache(REGION, cache.cache_id, {"Images": [REDIS]})
    clock.advance(10)
    return cache


def test_update_with_an_unpullable_image_ends_update_failed(
    backend: EciBackend, clock: FakeClock
) -> None:
    cache = update_failed(backend, clock)
    assert status(backend, cache)[0] == "UpdateFailed"


def test_update_failed_cache_can_be_updated_back_to_ready(
    backend: EciBackend, clock: FakeClock
) -> None:
    cache = update_failed(backend, clock)
    backend.update_image_cache(REGION, cache.cache_id, {"Images": [NGINX]})
    clock.advance(10)
    assert status(backend, cache)[0] == "Ready"


@pytest.mark.parametrize("elapsed", [0, 5])
def test_update_while_building_is_an_incorrect_status(
    backend: EciBackend, clock: FakeClock, elapsed: float
) -> None:
    cache = create(backend)
    clock.advance(elapsed)
    with pytest.raises(IncorrectImageCacheStatus):
        backend.update_image_cache(REGION, cache.cache_id, {"Images": [REDIS]})


def test_update_of_a_failed_cache_is_an_incorrect_status(
    backend: EciBackend, clock: FakeClock
) -> None:
    backend.set_unpullable_images([NGINX])
    cache = create(backend)
    clock.advance(10)
    with pytest.raises(IncorrectImageCacheStatus):
        backend.update_image_cache(REGION, cache.cache_id, {"ImageCacheSize": 30})


def test_update_replaces_only_the_given_fields(backend: EciBackend, clock: FakeClock) -> None:
    cache = ready(backend, clock, ImageCacheSize=40, Tags=[{"Key": "a", "Value": "1"}])
    backend.update_image_cache(REGION, cache.cache_id, {"Images": [REDIS, NGINX]})
    api = backend.find(REGION, cache.cache_id).to_api()
    assert (api["Images"], api["ImageCacheSize"], api["Tags"]) == (
        [REDIS, NGINX],
        40,
        [{"Key": "a", "Value": "1"}],
    )


def test_status_machine_has_the_documented_transitions() -> None:
    assert TRANSITIONS["Preparing"] == {"Creating"}
    assert TRANSITIONS["Creating"] == {"Ready", "Failed"}
    assert TRANSITIONS["Updating"] == {"Ready", "UpdateFailed"}
    assert TRANSITIONS["Failed"] == frozenset()


def test_a_move_the_status_machine_does_not_allow_is_refused(backend: EciBackend) -> None:
    with pytest.raises(AssertionError):
        create(backend).move("Ready")


def test_delete_removes_the_cache(backend: EciBackend) -> None:
    cache = create(backend)
    backend.delete_image_cache(REGION, cache.cache_id)
    assert backend.describe_image_caches(REGION, {"ImageCacheId": cache.cache_id})[1] == 0


@pytest.mark.parametrize("call", ["update", "delete"])
def test_update_or_delete_of_an_unknown_id_is_not_found(backend: EciBackend, call: str) -> None:
    with pytest.raises(InvalidImageCacheIdNotFound):
        if call == "update":
            backend.update_image_cache(REGION, "imc-nope", {})
        else:
            backend.delete_image_cache(REGION, "imc-nope")


def test_failed_cache_disappears_after_the_failed_ttl(clock: FakeClock) -> None:
    backend = EciBackend(clock=clock, build_seconds=0, failed_ttl_seconds=100)
    backend.set_unpullable_images([NGINX])
    cache = create(backend)
    clock.advance(99)
    assert cache.cache_id in backend.region(REGION)
    clock.advance(1)
    assert cache.cache_id not in backend.region(REGION)


def test_cache_with_retention_days_expires_at_expire_date_time(
    backend: EciBackend, clock: FakeClock
) -> None:
    cache = create(backend, RetentionDays=2)
    assert cache.to_api()["ExpireDateTime"] == "2027-01-03T00:00:00Z"
    clock.advance(2 * 86400 - 1)
    assert cache.cache_id in backend.region(REGION)
    clock.advance(1)
    assert cache.cache_id not in backend.region(REGION)


def test_cache_without_retention_days_never_expires(backend: EciBackend, clock: FakeClock) -> None:
    cache = create(backend)
    clock.advance(10 * 365 * 86400)
    assert cache.to_api()["ExpireDateTime"] == ""
    assert cache.cache_id in backend.region(REGION)


def test_evict_removes_an_lru_cache(backend: EciBackend) -> None:
    cache = create(backend, EliminationStrategy="LRU")
    backend.evict(cache.cache_id)
    assert cache.cache_id not in backend.region(REGION)


def test_evict_refuses_a_cache_without_lru(backend: EciBackend) -> None:
    with pytest.raises(ValueError, match="not evictable"):
        backend.evict(create(backend).cache_id)


def test_quota_evicts_the_least_recently_matched_lru_cache(
    backend: EciBackend, clock: FakeClock
) -> None:
    backend.quota = 2
    old = create(backend, "old", EliminationStrategy="LRU")
    used = create(backend, "used", EliminationStrategy="LRU")
    clock.advance(1)
    backend.mark_matched(old.cache_id)
    create(backend, "new")
    assert set(backend.region(REGION)) >= {old.cache_id}
    assert used.cache_id not in backend.region(REGION)


def test_quota_without_an_lru_cache_is_exceeded(backend: EciBackend) -> None:
    backend.quota = 1
    create(backend)
    with pytest.raises(QuotaExceeded):
        create(backend, "second")


def test_same_client_token_and_parameters_return_the_same_cache(backend: EciBackend) -> None:
    first = create(backend, ClientToken="t-1")
    again = create(backend, ClientToken="t-1")
    assert again.cache_id == first.cache_id
    assert len(backend.region(REGION)) == 1


def test_same_client_token_with_other_parameters_is_a_mismatch(backend: EciBackend) -> None:
    create(backend, ClientToken="t-1")
    with pytest.raises(IdempotentParameterMismatch):
        create(backend, "other", ClientToken="t-1")


def test_update_replayed_with_its_client_token_does_not_rebuild_again(
    backend: EciBackend, clock: FakeClock
) -> None:
    cache = ready(backend, clock)
    backend.update_image_cache(REGION, cache.cache_id, {"ImageCacheSize": 30, "ClientToken": "u"})
    clock.advance(10)
    backend.update_image_cache(REGION, cache.cache_id, {"ImageCacheSize": 30, "ClientToken": "u"})
    assert status(backend, cache)[0] == "Ready"


def test_update_client_token_reused_with_other_parameters_is_a_mismatch(
    backend: EciBackend, clock: FakeClock
) -> None:
    cache = ready(backend, clock)
    backend.update_image_cache(REGION, cache.cache_id, {"ImageCacheSize": 30, "ClientToken": "u"})
    clock.advance(10)
    with pytest.raises(IdempotentParameterMismatch):
        backend.update_image_cache(
            REGION, cache.cache_id, {"ImageCacheSize": 40, "ClientToken": "u"}
        )


def test_delete_replayed_with_its_client_token_succeeds_again(backend: EciBackend) -> None:
    cache = create(backend)
    backend.delete_image_cache(REGION, cache.cache_id, "d-1")
    backend.delete_image_cache(REGION, cache.cache_id, "d-1")  # the same answer: no error
    assert cache.cache_id not in backend.region(REGION)
    with pytest.raises(InvalidImageCacheIdNotFound):  # a new delete is a new request
        backend.delete_image_cache(REGION, cache.cache_id, "d-2")


def test_regions_are_separate(backend: EciBackend) -> None:
    create(backend)
    assert backend.describe_image_caches("cn-beijing", {})[1] == 0


def test_reset_forgets_every_cache(backend: EciBackend) -> None:
    create(backend)
    backend.reset()
    assert backend.all_caches() == []


def test_state_round_trips_through_to_state_and_load_state(
    backend: EciBackend, clock: FakeClock
) -> None:
    cache = ready(backend, clock, ClientToken="t")
    copy = EciBackend(clock=clock)
    copy.load_state(backend.to_state())
    assert copy.find(REGION, cache.cache_id).to_api() == cache.to_api()
    assert (
        copy.create_image_cache(
            REGION, {"ImageCacheName": "web", "Images": [NGINX], "ClientToken": "t"}
        ).cache_id
        == cache.cache_id
    )


def test_annotations_survive_the_state_round_trip(backend: EciBackend) -> None:
    cache = create(backend, Annotations=ANNOTATIONS)
    copy = EciBackend()
    copy.load_state(json.loads(json.dumps(backend.to_state())))
    assert copy.find(REGION, cache.cache_id).to_admin()["Annotations"] == ANNOTATIONS


def test_annotations_are_not_in_the_describe_shape(backend: EciBackend) -> None:
    # The real DescribeImageCaches answer has no such field.
    assert "Annotations" not in create(backend, Annotations=ANNOTATIONS).to_api()


def test_admin_shape_is_the_describe_shape_plus_annotations_as_sent(backend: EciBackend) -> None:
    cache = create(backend, Annotations=ANNOTATIONS)
    assert cache.to_admin() == {**cache.to_api(), "Annotations": ANNOTATIONS}


def test_admin_shape_of_a_cache_without_annotations_is_the_describe_shape(
    backend: EciBackend,
) -> None:
    cache = create(backend)
    assert cache.to_admin() == cache.to_api()


# -- builds a test finishes ---------------------------------------------------------


@pytest.fixture
def holding(clock: FakeClock) -> EciBackend:
    return EciBackend(clock=clock, build_seconds=10, hold_builds=True)


def test_held_build_waits_at_99_percent_however_long(holding: EciBackend, clock: FakeClock) -> None:
    cache = create(holding)
    clock.advance(1000 * 86400)
    assert status(holding, cache) == ("Creating", "99%")


def test_held_update_waits_at_99_percent_however_long(
    holding: EciBackend, clock: FakeClock
) -> None:
    cache = create(holding)
    holding.finish_builds()
    holding.update_image_cache(REGION, cache.cache_id, {"ImageCacheSize": 30})
    clock.advance(1000 * 86400)
    assert status(holding, cache) == ("Updating", "99%")


def test_finish_builds_makes_a_held_build_ready_without_moving_the_clock(
    holding: EciBackend,
) -> None:
    cache = create(holding)
    before = holding.now()
    holding.finish_builds()
    assert status(holding, cache) == ("Ready", "100%")
    assert holding.now() == before


def test_finish_builds_ends_a_build_still_preparing_through_pulling_and_pulled(
    holding: EciBackend,
) -> None:
    cache = create(holding)
    holding.finish_builds()
    events = holding.find(REGION, cache.cache_id).events
    assert [e["Reason"] for e in events] == ["Created", "Pulling", "Pulled", "Succeeded"]


def test_finish_builds_fails_a_build_of_an_unpullable_image(holding: EciBackend) -> None:
    holding.set_unpullable_images([NGINX])
    cache = create(holding)
    holding.finish_builds()
    assert status(holding, cache) == ("Failed", "100%")


def test_finish_builds_ends_a_held_update_ready(holding: EciBackend) -> None:
    cache = create(holding)
    holding.finish_builds()
    holding.update_image_cache(REGION, cache.cache_id, {"ImageCacheSize": 30})
    holding.finish_builds()
    assert status(holding, cache) == ("Ready", "100%")


def test_finish_builds_ends_builds_that_are_not_held_too(backend: EciBackend) -> None:
    cache = create(backend)
    backend.finish_builds()
    assert status(backend, cache) == ("Ready", "100%")


def test_finish_builds_answers_the_caches_it_finished_and_no_others(
    holding: EciBackend,
) -> None:
    settled = create(holding, "settled")
    holding.finish_builds()
    building = create(holding, "building")
    assert holding.finish_builds() == [building.cache_id]
    assert status(holding, settled) == ("Ready", "100%")


def test_hold_builds_holds_only_builds_started_while_it_is_on(
    holding: EciBackend, clock: FakeClock
) -> None:
    held = create(holding, "held")
    holding.hold_builds = False
    free = create(holding, "free")
    clock.advance(10)
    assert (status(holding, held)[0], status(holding, free)[0]) == ("Creating", "Ready")


def test_a_held_build_survives_the_state_round_trip(holding: EciBackend, clock: FakeClock) -> None:
    cache = create(holding)
    copy = EciBackend(clock=clock)
    copy.load_state(json.loads(json.dumps(holding.to_state())))
    clock.advance(1000)
    assert status(copy, cache) == ("Creating", "99%")


def test_finishing_a_long_build_with_the_clock_ages_every_other_cache(clock: FakeClock) -> None:
    # Why finish_builds exists: advancing the clock past a long build is not neutral.
    backend = EciBackend(clock=clock, build_seconds=3 * 86400)
    short_lived = create(backend, "short-lived", RetentionDays=1)
    building = create(backend, "building")
    backend.advance_clock(3 * 86400)
    assert status(backend, building)[0] == "Ready"
    assert short_lived.cache_id not in backend.region(REGION)


# -- DescribeImageCaches filters and pagination -------------------------------------


def names(result: tuple[list[ImageCache], int, str]) -> list[str]:
    return [c.spec["ImageCacheName"] for c in result[0]]


@pytest.fixture
def three(backend: EciBackend, clock: FakeClock) -> list[ImageCache]:
    caches = [
        create(backend, "a", Tags=[{"Key": "team", "Value": "web"}], ResourceGroupId="rg-1"),
        create(backend, "b", Images=[NGINX, REDIS], Tags=[{"Key": "team", "Value": "db"}]),
        create(backend, "c", Images=["docker.io/library/nginx:1.24"]),
    ]
    clock.advance(10)
    return caches


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["a", "b", "c"]),
        ({"ImageCacheName": "b"}, ["b"]),
        ({"Image": REDIS}, ["b"]),
        ({"ResourceGroupId": "rg-1"}, ["a"]),
        ({"Tags": [{"Key": "team"}]}, ["a", "b"]),
        ({"Tags": [{"Key": "team", "Value": "db"}]}, ["b"]),
        ({"ImageCacheId": "imc-unknown"}, []),
    ],
)
def test_describe_filters(
    backend: EciBackend, three: list[ImageCache], filters: dict[str, Any], expected: list[str]
) -> None:
    assert names(backend.describe_image_caches(REGION, filters)) == expected


def test_describe_filters_by_id_and_snapshot_id(
    backend: EciBackend, three: list[ImageCache]
) -> None:
    b = three[1]
    assert names(backend.describe_image_caches(REGION, {"ImageCacheId": b.cache_id})) == ["b"]
    assert names(backend.describe_image_caches(REGION, {"SnapshotId": b.snapshot_id})) == ["b"]


def test_match_image_ranks_exact_matches_first(
    backend: EciBackend, three: list[ImageCache]
) -> None:
    result = backend.describe_image_caches(REGION, {"MatchImages": [NGINX, REDIS]})
    assert names(result) == ["b", "a", "c"]


def test_image_full_match_keeps_only_caches_holding_every_image(
    backend: EciBackend, three: list[ImageCache]
) -> None:
    filters = {"MatchImages": [NGINX, REDIS], "ImageFullMatch": True}
    assert names(backend.describe_image_caches(REGION, filters)) == ["b"]


def test_match_image_ignores_caches_that_are_not_ready(
    backend: EciBackend, three: list[ImageCache]
) -> None:
    create(backend, "building", Images=[REDIS])
    assert names(backend.describe_image_caches(REGION, {"MatchImages": [REDIS]})) == ["b"]


def test_image_match_count_request_keeps_caches_holding_that_many_images_exactly(
    backend: EciBackend, three: list[ImageCache]
) -> None:
    filters = {"MatchImages": [NGINX, REDIS], "ImageMatchCountRequest": 1}
    assert names(backend.describe_image_caches(REGION, filters)) == ["b", "a"]


def test_pagination_walks_every_cache_once_with_next_token(
    backend: EciBackend, three: list[ImageCache]
) -> None:
    page1, total, token = backend.describe_image_caches(REGION, {"Limit": 2})
    page2, _, last = backend.describe_image_caches(REGION, {"Limit": 2, "NextToken": token})
    assert total == 3 and token and last == ""
    assert [c.spec["ImageCacheName"] for c in page1 + page2] == ["a", "b", "c"]


def test_default_page_size_is_ten(backend: EciBackend) -> None:
    for n in range(12):
        create(backend, f"c{n}")
    page, total, token = backend.describe_image_caches(REGION, {})
    assert (len(page), total, bool(token)) == (10, 12, True)


def test_garbage_next_token_is_invalid(backend: EciBackend) -> None:
    with pytest.raises(InvalidParameter) as caught:
        backend.describe_image_caches(REGION, {"NextToken": "garbage!"})
    assert caught.value.code == "InvalidParameter.NextToken"


def test_new_cache_stays_invisible_for_the_configured_polls(backend: EciBackend) -> None:
    backend.faults.invisible_polls = 2
    cache = create(backend)
    seen = [
        backend.describe_image_caches(REGION, {"ImageCacheId": cache.cache_id})[1] for _ in range(3)
    ]
    assert seen == [0, 0, 1]


def test_a_forced_fault_can_let_some_calls_pass_first() -> None:
    from pulumi_eci_cache.emulator import Faults

    faults = Faults()
    faults.force("DescribeImageCaches", code="Forbidden.RAM", http_status=403, skip=2)
    taken = [faults.take("DescribeImageCaches") for _ in range(4)]
    assert [f.code if f else None for f in taken] == [None, None, "Forbidden.RAM", None]
