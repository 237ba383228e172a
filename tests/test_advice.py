"""The preview's cost advice (rules/advice.py), pure: which advice a cache gets, when it
is given again, how it is silenced, and how it is worded in each face's names."""

from __future__ import annotations

import calendar
import time
from typing import Any

from pulumi_eci_cache.rules.advice import (
    ADVICE_NAMES,
    PUBLIC_REGISTRIES,
    advise,
    public_images,
    unused_advice,
)
from pulumi_eci_cache.rules.naming import CAMEL
from pulumi_eci_cache.rules.values import UNKNOWN

PRIVATE = ["registry.example.com/team/app:1.0"]
KEPT = {"image_cache_name": "web", "images": PRIVATE, "retention_days": 30}
DAY = 86400.0


def names(news: dict[str, Any], changed: set[str] | None = None, **kw: Any) -> list[str]:
    return [advice.name for advice in advise(news, changed, **kw)]


def stamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


NOW = float(calendar.timegm((2026, 12, 1, 0, 0, 0, 0, 0, 0)))


def test_a_cache_with_retention_private_images_and_the_default_size_gets_no_advice() -> None:
    assert names(KEPT) == []


def test_a_new_cache_without_retention_is_told_its_snapshot_is_billed_until_deleted() -> None:
    news = {k: v for k, v in KEPT.items() if k != "retention_days"}
    (advice,) = advise(news, None)
    assert advice.name == "no-retention"
    assert "billed for as long as the cache is kept" in advice.message
    assert "set retention_days" in advice.message


def test_a_retention_still_unknown_at_preview_gets_no_advice() -> None:
    assert names({**KEPT, "retention_days": UNKNOWN}) == []


def test_flash_is_told_what_it_adds_for_the_caches_size_and_copies() -> None:
    news = {**KEPT, "flash": True, "image_cache_size": 40, "flash_copy_count": 2}
    (advice,) = [a for a in advise(news, None) if a.name == "flash"]
    assert "flash-snapshot price x 40 GiB x 2 copies" in advice.message
    assert "until the ordinary snapshot is done" in advice.message


def test_flash_off_gets_no_advice() -> None:
    assert names({**KEPT, "flash": False}) == []


def test_docker_hub_images_without_an_eip_are_told_the_build_needs_a_nat_gateway() -> None:
    (advice,) = advise({**KEPT, "images": ["nginx:1.25", *PRIVATE]}, None)
    assert advice.name == "public-registry"
    assert advice.message.startswith("nginx:1.25 is pulled from a public registry")
    assert "needs a NAT gateway on its vSwitch, or the build fails" in advice.message


def test_an_eip_silences_the_public_registry_advice() -> None:
    assert names({**KEPT, "images": ["nginx:1.25"], "eip_instance_id": "eip-1"}) == []


def test_public_registries_are_known_by_their_canonical_host() -> None:
    refs = ["nginx:1.25", "ghcr.io/o/a:1", "index.docker.io/library/b:1", *PRIVATE]
    assert public_images(refs) == refs[:3]
    assert "docker.io" in PUBLIC_REGISTRIES


def test_a_size_above_the_default_is_told_every_instance_pays_for_it() -> None:
    (advice,) = advise({**KEPT, "image_cache_size": 100}, None)
    assert advice.name == "size"
    assert "every instance that uses the cache mounts, and pays for, a 100 GiB disk" in (
        advice.message
    )


def test_the_default_size_written_out_gets_no_advice() -> None:
    assert names({**KEPT, "image_cache_size": 20}) == []


def test_an_update_gets_only_the_advice_of_the_inputs_it_changes() -> None:
    news = {"image_cache_name": "web", "images": ["nginx:1.25"], "image_cache_size": 40}
    assert names(news, {"image_cache_size"}) == ["size"]
    assert names(news, {"images"}) == ["public-registry"]
    assert names(news, {"tags"}) == []


def test_a_name_in_the_caches_silence_advice_removes_exactly_that_advice() -> None:
    news = {"image_cache_name": "web", "images": ["nginx:1.25"], "image_cache_size": 40}
    assert names(news) == ["no-retention", "public-registry", "size"]
    assert names({**news, "silence_advice": ["size"]}) == ["no-retention", "public-registry"]


def test_the_providers_silence_advice_removes_it_for_every_cache() -> None:
    news = {"image_cache_name": "web", "images": ["nginx:1.25"]}
    assert names(news, silenced=["public-registry"]) == ["no-retention"]


def test_the_message_names_the_silencing_setting_on_the_cache_and_the_provider() -> None:
    news = {"image_cache_name": "web", "images": PRIVATE}
    (advice,) = advise(news, None, provider_key="ecicache:silenceAdvice", naming=CAMEL)
    assert advice.message.startswith("no retentionDays:")
    assert advice.message.endswith(
        '(to silence: add "no-retention" to silenceAdvice on this cache, or to '
        "ecicache:silenceAdvice for every cache of the provider)"
    )


def test_every_advice_name_can_be_silenced() -> None:
    assert ADVICE_NAMES == ("no-retention", "flash", "public-registry", "size", "unused")


def test_a_cache_nobody_used_for_30_days_without_retention_is_advised_to_be_deleted() -> None:
    props = {"last_matched_time": stamp(NOW - 45 * DAY), "creation_time": stamp(NOW - 90 * DAY)}
    advice = unused_advice(props, NOW)
    assert advice is not None and advice.name == "unused"
    assert "no instance has used the cache for 45 days (since its last match)" in advice.message


def test_a_cache_never_matched_counts_from_its_creation() -> None:
    advice = unused_advice({"creation_time": stamp(NOW - 31 * DAY)}, NOW)
    assert advice is not None and "31 days (since it was created)" in advice.message


def test_a_cache_used_within_30_days_gets_no_unused_advice() -> None:
    props = {"last_matched_time": stamp(NOW - 29 * DAY), "creation_time": stamp(NOW - 90 * DAY)}
    assert unused_advice(props, NOW) is None


def test_a_cache_with_retention_gets_no_unused_advice() -> None:
    props = {"creation_time": stamp(NOW - 90 * DAY), "retention_days": 365}
    assert unused_advice(props, NOW) is None


def test_the_unused_advice_is_silenced_like_the_others() -> None:
    props = {"creation_time": stamp(NOW - 90 * DAY), "silence_advice": ["unused"]}
    assert unused_advice(props, NOW) is None
    assert unused_advice({"creation_time": stamp(NOW - 90 * DAY)}, NOW, silenced=["unused"]) is None
