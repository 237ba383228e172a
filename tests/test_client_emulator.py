"""EciClient against the emulator mounted in-process with respx (fake clock, no sockets).

The emulator validates strictly and verifies signatures, so these round trips prove
the client sends what the API defines, signed, and understands every answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_eci_cache.cloud.client import EciClient, is_not_found, static_settings
from pulumi_eci_cache.emulator import EmulatedEci
from pulumi_eci_cache.errors import ApiError, TransportError
from pulumi_eci_cache.rules.retry import RetryPolicy
from tests.support.served_emulator import one_cache

SPEC = {"ImageCacheName": "web", "Images": ["docker.io/library/nginx:1.25"]}


def client_for(emulator: EmulatedEci, secret: str | None = None) -> EciClient:
    settings = static_settings(
        emulator.base_url,
        emulator.region_id,
        emulator.access_key_id,
        secret or emulator.access_key_secret,
    )
    return EciClient(settings, retry=RetryPolicy(max_attempts=5), sleep=lambda _: None)


@pytest.fixture
def client(eci_emulator: EmulatedEci) -> Iterator[EciClient]:
    with client_for(eci_emulator) as c:
        yield c


def test_a_created_cache_builds_to_ready(eci_emulator: EmulatedEci, client: EciClient) -> None:
    created = client.create_image_cache(SPEC)
    cache = one_cache(client, created.image_cache_id)
    assert cache is not None and cache["Status"] == "Preparing"
    eci_emulator.clock.advance(60)
    cache = one_cache(client, created.image_cache_id)
    assert cache is not None
    assert (cache["Status"], cache["Progress"]) == ("Ready", "100%")
    assert cache["ContainerGroupId"] == created.container_group_id


def test_every_field_is_accepted_by_the_strict_emulator(client: EciClient) -> None:
    from tests.test_client_params import FULL_SPEC

    spec = {k: v for k, v in FULL_SPEC.items() if k != "ClientToken"}
    created = client.create_image_cache(spec)
    cache = one_cache(client, created.image_cache_id)
    assert cache is not None and cache["ImageCacheSize"] == 40
    assert {t["Key"]: t["Value"] for t in cache["Tags"]} == {"team": "web", "env": "prod"}


def test_update_rebuilds_the_cache_in_place(eci_emulator: EmulatedEci, client: EciClient) -> None:
    cache_id = client.create_image_cache(SPEC).image_cache_id
    eci_emulator.clock.advance(60)
    client.update_image_cache(cache_id, {**SPEC, "Images": ["docker.io/library/redis:7.2"]})
    assert one_cache(client, cache_id)["Status"] == "Updating"  # type: ignore[index]
    eci_emulator.clock.advance(60)
    cache = one_cache(client, cache_id)
    assert cache is not None and cache["Images"] == ["docker.io/library/redis:7.2"]


def test_update_while_building_is_refused_with_the_services_code(client: EciClient) -> None:
    cache_id = client.create_image_cache(SPEC).image_cache_id
    with pytest.raises(ApiError) as info:
        client.update_image_cache(cache_id, SPEC)
    assert info.value.code == "IncorrectImageCacheStatus" and not info.value.retryable


def test_delete_then_describe_finds_nothing(client: EciClient) -> None:
    cache_id = client.create_image_cache(SPEC).image_cache_id
    client.delete_image_cache(cache_id)
    assert one_cache(client, cache_id) is None


def test_deleting_an_unknown_cache_is_a_not_found_error(client: EciClient) -> None:
    with pytest.raises(ApiError) as info:
        client.delete_image_cache("imc-doesnotexist")
    assert is_not_found(info.value)


def test_describe_pages_through_every_cache(eci_emulator: EmulatedEci, client: EciClient) -> None:
    created = {
        client.create_image_cache({**SPEC, "ImageCacheName": f"c{i}"}).image_cache_id
        for i in range(25)
    }
    listed = client.describe_image_caches(Limit=10)
    assert {c["ImageCacheId"] for c in listed} == created
    assert eci_emulator.backend.call_counts["DescribeImageCaches"] == 3


def test_describe_filters_by_tag(client: EciClient) -> None:
    tagged = client.create_image_cache({**SPEC, "Tags": [{"Key": "team", "Value": "a"}]})
    client.create_image_cache({**SPEC, "ImageCacheName": "other"})
    found = client.describe_image_caches(Tags=[{"Key": "team", "Value": "a"}])
    assert [c["ImageCacheId"] for c in found] == [tagged.image_cache_id]


def test_the_same_client_token_never_makes_a_second_cache(
    eci_emulator: EmulatedEci, client: EciClient
) -> None:
    first = client.create_image_cache(SPEC, client_token="tok-1")
    again = client.create_image_cache(SPEC, client_token="tok-1")
    assert again.image_cache_id == first.image_cache_id
    assert len(eci_emulator.backend.all_caches()) == 1


def test_a_create_whose_answer_was_lost_is_retried_into_the_same_cache(
    eci_emulator: EmulatedEci, client: EciClient
) -> None:
    eci_emulator.backend.faults.force("CreateImageCache", kind="drop", after_success=True)
    created = client.create_image_cache(SPEC)
    assert [c.to_api()["ImageCacheId"] for c in eci_emulator.backend.all_caches()] == [
        created.image_cache_id
    ]


def test_throttling_is_absorbed_by_retries(eci_emulator: EmulatedEci, client: EciClient) -> None:
    eci_emulator.backend.faults.force(
        "DescribeImageCaches", code="Throttling.User", http_status=400, count=3
    )
    assert client.describe_image_caches() == []
    assert eci_emulator.backend.call_counts["DescribeImageCaches"] == 4


def test_server_errors_beyond_the_retry_budget_reach_the_caller(
    eci_emulator: EmulatedEci, client: EciClient
) -> None:
    eci_emulator.backend.faults.force(
        "DescribeImageCaches", code="InternalError", http_status=500, count=10
    )
    with pytest.raises(ApiError, match="InternalError"):
        client.describe_image_caches()
    assert eci_emulator.backend.call_counts["DescribeImageCaches"] == 5


def test_dropped_connections_are_retried(eci_emulator: EmulatedEci, client: EciClient) -> None:
    eci_emulator.backend.faults.force("DescribeImageCaches", kind="drop", count=2)
    assert client.describe_image_caches() == []


def test_dropped_connections_beyond_the_budget_are_a_transport_error(
    eci_emulator: EmulatedEci, client: EciClient
) -> None:
    eci_emulator.backend.faults.force("DescribeImageCaches", kind="drop", count=10)
    with pytest.raises(TransportError):
        client.describe_image_caches()


def test_a_wrong_secret_is_rejected_and_not_retried(eci_emulator: EmulatedEci) -> None:
    with client_for(eci_emulator, secret="not-the-secret") as bad, pytest.raises(ApiError) as info:
        bad.describe_image_caches()
    assert info.value.code == "SignatureDoesNotMatch"
    assert eci_emulator.backend.call_counts["DescribeImageCaches"] == 1
    assert "not-the-secret" not in str(info.value)


def test_a_new_cache_invisible_to_describe_appears_later(
    eci_emulator: EmulatedEci, client: EciClient
) -> None:
    eci_emulator.backend.faults.invisible_polls = 2
    cache_id = client.create_image_cache(SPEC).image_cache_id
    seen = [one_cache(client, cache_id) is not None for _ in range(3)]
    assert seen == [False, False, True]
