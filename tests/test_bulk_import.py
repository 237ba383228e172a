"""Which caches a bulk import takes, and what each is called (rules/bulk_import.py)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_eci_cache.rules.bulk_import import ImportFilters, parse_tag, plan_import
from pulumi_eci_cache.rules.identity import IDENTITY_TAG

TYPE = "ecicache:index:ImageCache"


def cache(cache_id: str, name: str, created: str = "2026-12-01T10:00:00Z", **more: Any) -> dict:
    return {"ImageCacheId": cache_id, "ImageCacheName": name, "CreationTime": created, **more}


def tags(**pairs: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def test_each_cache_is_an_entry_of_the_resource_type_named_for_the_cache() -> None:
    plan = plan_import([cache("imc-1", "web"), cache("imc-2", "api")], TYPE)
    assert sorted(plan.file()["resources"], key=lambda r: r["id"]) == [
        {"type": TYPE, "name": "web", "id": "imc-1"},
        {"type": TYPE, "name": "api", "id": "imc-2"},
    ]


def test_a_repeated_name_is_numbered_in_creation_order() -> None:
    plan = plan_import(
        [
            cache("imc-b", "web", "2026-12-02T10:00:00Z"),
            cache("imc-a", "web", "2026-12-01T10:00:00Z"),
            cache("imc-c", "web", "2026-12-03T10:00:00Z"),
        ],
        TYPE,
    )
    assert [(r["id"], r["name"]) for r in plan.resources] == [
        ("imc-a", "web"),
        ("imc-b", "web-2"),
        ("imc-c", "web-3"),
    ]


def test_a_numbered_name_never_takes_the_name_of_another_cache() -> None:
    plan = plan_import(
        [
            cache("imc-1", "web", "2026-12-01T10:00:00Z"),
            cache("imc-2", "web", "2026-12-02T10:00:00Z"),
            cache("imc-3", "web-2", "2026-12-03T10:00:00Z"),
        ],
        TYPE,
    )
    names = [r["name"] for r in plan.resources]
    assert len(set(names)) == 3, names


def test_the_file_is_the_same_whatever_order_the_service_lists() -> None:
    caches = [cache(f"imc-{i}", "web") for i in range(5)]
    assert plan_import(caches, TYPE) == plan_import(list(reversed(caches)), TYPE)


def test_caches_a_stack_manages_are_left_out_and_counted() -> None:
    managed = cache("imc-1", "web", Tags=tags(**{IDENTITY_TAG: "abc"}))
    plan = plan_import([managed, cache("imc-2", "api")], TYPE)
    assert [r["id"] for r in plan.resources] == ["imc-2"]
    assert plan.managed == ["imc-1"]


def test_include_managed_takes_them_too() -> None:
    managed = cache("imc-1", "web", Tags=tags(**{IDENTITY_TAG: "abc"}))
    plan = plan_import([managed], TYPE, include_managed=True)
    assert ([r["id"] for r in plan.resources], plan.managed) == (["imc-1"], [])


def test_the_name_prefix_filter_keeps_names_that_start_with_it() -> None:
    plan = plan_import(
        [cache("imc-1", "web-a"), cache("imc-2", "api"), cache("imc-3", "a-web")],
        TYPE,
        ImportFilters(name_prefix="web"),
    )
    assert [r["id"] for r in plan.resources] == ["imc-1"]


def test_every_tag_filter_must_match() -> None:
    both = cache("imc-1", "a", Tags=tags(team="web", env="prod"))
    one = cache("imc-2", "b", Tags=tags(team="web", env="dev"))
    plan = plan_import([both, one], TYPE, ImportFilters(tags={"team": "web", "env": "prod"}))
    assert [r["id"] for r in plan.resources] == ["imc-1"]


def test_the_status_filter_keeps_caches_in_that_status() -> None:
    plan = plan_import(
        [cache("imc-1", "a", Status="Ready"), cache("imc-2", "b", Status="Failed")],
        TYPE,
        ImportFilters(status="Ready"),
    )
    assert [r["id"] for r in plan.resources] == ["imc-1"]


def test_a_tag_is_written_key_equals_value() -> None:
    assert parse_tag("team=web=x") == ("team", "web=x")


@pytest.mark.parametrize("text", ["team", "=web", ""])
def test_a_tag_without_a_key_and_value_is_refused_in_one_sentence(text: str) -> None:
    with pytest.raises(ValueError, match=r"write it as key=value"):
        parse_tag(text)
