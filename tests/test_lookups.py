"""get_image_caches / rank_image_caches against the emulator mounted in-process (respx)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

import pulumi_eci_cache
from pulumi_eci_cache import get_image_caches_output
from pulumi_eci_cache.cloud.client import EciClient
from pulumi_eci_cache.emulator import EmulatedEci
from pulumi_eci_cache.lifecycle.lookups import find_image_cache, get_image_caches, rank_image_caches
from pulumi_eci_cache.program.lookups import program_settings
from tests.test_client_emulator import client_for

NGINX = "docker.io/library/nginx:1.25"
REDIS = "docker.io/library/redis:7.2"


@pytest.fixture
def client(eci_emulator: EmulatedEci) -> Iterator[EciClient]:
    with client_for(eci_emulator) as c:
        yield c


def make(emulator: EmulatedEci, name: str, images: list[str], **spec: Any) -> str:
    cache = emulator.backend.create_image_cache(
        emulator.region_id, {"ImageCacheName": name, "Images": images, **spec}
    )
    return cache.cache_id


@pytest.fixture
def caches(eci_emulator: EmulatedEci) -> dict[str, str]:
    """web (nginx, as written), web-db (both images, canonical), jobs (redis:7.0), all
    Ready one second apart; then building (nginx), still Preparing."""
    made = {}
    for name, images in (
        ("web", ["nginx:1.25"]),
        ("web-db", [NGINX, REDIS]),
        ("jobs", ["redis:7.0"]),
    ):
        made[name] = make(eci_emulator, name, images)
        eci_emulator.clock.advance(1)
    eci_emulator.clock.advance(60)
    made["building"] = make(eci_emulator, "building", [NGINX])
    return made


def names(**filters: Any) -> list[str]:
    """The program's lookup (its own client, from the stack's settings)."""
    return pulumi_eci_cache.get_image_caches(**filters).names


def test_without_filters_every_cache_is_listed_in_order(
    client: EciClient, caches: dict[str, str]
) -> None:
    result = get_image_caches(client)
    assert result.names == ["web", "web-db", "jobs", "building"]
    assert result.ids == [caches[n] for n in result.names]
    assert [c.image_cache_id for c in result.caches] == result.ids


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"image_cache_name": "web"}, ["web"]),
        ({"name_regex": "^web"}, ["web", "web-db"]),
        ({"name_regex": "db"}, ["web-db"]),
        ({"status": "Ready"}, ["web", "web-db", "jobs"]),
        ({"status": "Preparing"}, ["building"]),
        ({"image": "redis:7.2"}, ["web-db"]),
        ({"image": NGINX}, ["web", "web-db", "building"]),
        ({"image": NGINX, "status": "Ready", "name_regex": "-"}, ["web-db"]),
    ],
)
def test_each_filter_keeps_only_the_caches_it_names(
    client: EciClient, caches: dict[str, str], filters: dict[str, Any], expected: list[str]
) -> None:
    assert get_image_caches(client, **filters).names == expected


def test_ids_keep_any_of_the_ids_given(client: EciClient, caches: dict[str, str]) -> None:
    assert get_image_caches(client, ids=[caches["jobs"]]).names == ["jobs"]
    both = get_image_caches(client, ids=[caches["jobs"], caches["web"]])
    assert both.names == ["web", "jobs"]


def test_snapshot_id_finds_its_cache(client: EciClient, caches: dict[str, str]) -> None:
    snapshot = get_image_caches(client, ids=[caches["web-db"]]).caches[0].snapshot_id
    assert snapshot.startswith("s-")
    assert get_image_caches(client, snapshot_id=snapshot).names == ["web-db"]


def test_a_cache_carries_the_fields_describe_gives(
    client: EciClient, caches: dict[str, str]
) -> None:
    [web] = get_image_caches(client, image_cache_name="web").caches
    assert (web.id, web.image_cache_id) == (caches["web"], caches["web"])
    assert (web.images, web.status, web.progress) == (["nginx:1.25"], "Ready", "100%")
    assert web.image_cache_size == 20 and web.container_group_id.startswith("eci-")
    assert web.creation_time == "2027-01-01T00:00:00Z" and web.expire_date_time == ""
    assert [e.reason for e in web.events][-1] == "Succeeded"
    assert web.events[0].first_timestamp == "2027-01-01T00:00:00Z"


def test_every_page_is_read(eci_emulator: EmulatedEci, client: EciClient) -> None:
    for n in range(130):
        make(eci_emulator, f"c{n}", [NGINX])
    assert len(get_image_caches(client).ids) == 130
    assert eci_emulator.backend.call_counts["DescribeImageCaches"] == 2


@pytest.mark.parametrize(
    ("filters", "named"),
    [({"name_regex": "("}, "name_regex"), ({"status": "Done"}, "status")],
)
def test_a_bad_filter_is_refused_before_any_call(
    eci_emulator: EmulatedEci, client: EciClient, filters: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        get_image_caches(client, **filters)
    assert eci_emulator.backend.call_counts == {}


def test_the_output_form_takes_inputs(client: EciClient, caches: dict[str, str]) -> None:
    async def resolve() -> Any:
        name = pulumi.Output.from_input("web-db")
        return await get_image_caches_output(image_cache_name=name, client=client).future()

    assert asyncio.run(resolve()).ids == [caches["web-db"]]


STACK_CONFIG = {
    "alicloud:region": "cn-hangzhou",
    "alicloud:accessKey": "emulator-access-key-id",
    "alicloud:secretKey": "emulator-access-key-secret",
    "eci-cache:endpoint": "https://eci.cn-hangzhou.aliyuncs.com",
    "other:setting": "ignored",
}


@pytest.fixture
def stack_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """The program's stack config as the language host hands it over; no env keys."""
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(STACK_CONFIG))


def test_program_settings_come_from_the_stacks_alicloud_and_eci_cache_config(
    stack_config: None,
) -> None:
    settings = program_settings()
    assert (settings.region_id, settings.endpoint) == (
        "cn-hangzhou",
        "https://eci.cn-hangzhou.aliyuncs.com",
    )
    assert settings.credentials().access_key_id == "emulator-access-key-id"


def test_without_a_client_the_lookup_uses_the_stack_config(
    stack_config: None, caches: dict[str, str]
) -> None:
    assert names(image_cache_name="jobs") == ["jobs"]


def test_ranking_puts_the_cache_with_every_image_first_and_leaves_out_no_match(
    client: EciClient, caches: dict[str, str]
) -> None:
    ranked = rank_image_caches(client, ["nginx:1.25", "redis:7.2"])
    assert [m.image_cache_name for m in ranked] == ["web-db", "web", "jobs"]
    assert ranked[0].matched_images == ["nginx:1.25", "redis:7.2"]
    assert ranked[2].repository_images == ["redis:7.2"]
    assert rank_image_caches(client, ["postgres:16"]) == []


def test_find_gives_the_first_ranked_or_none(client: EciClient, caches: dict[str, str]) -> None:
    found = find_image_cache(client, [NGINX], perfect_match=True)
    assert found is not None and found.image_cache_name == "web"
    assert find_image_cache(client, ["postgres:16"]) is None


@pytest.mark.parametrize(
    ("images", "options"),
    [
        ([NGINX, REDIS], {}),
        (["nginx:1.25", "redis:7.2"], {}),
        ([NGINX, REDIS], {"perfect_match": True}),
        ([NGINX, REDIS], {"match_count": 1}),
        (["redis:7.2"], {}),
        (["nginx:1.24"], {}),
        (["postgres:16"], {}),
    ],
)
def test_the_ranking_agrees_with_the_emulators_match_image(
    client: EciClient, caches: dict[str, str], images: list[str], options: dict[str, Any]
) -> None:
    ours = [m.image_cache_id for m in rank_image_caches(client, images, **options)]
    served = client.describe_image_caches(
        MatchImage=images,
        ImageFullMatch=options.get("perfect_match"),
        ImageMatchCountRequest=options.get("match_count"),
    )
    assert ours == [c["ImageCacheId"] for c in served]
