"""The lifecycle's advice and summary, in-process (lifecycle.previewed, read): which
advice a preview puts on a cache's row, once, silenced by the cache or the provider,
the change's summary on the stack's row, and the unused advice at refresh only. The
pure rules are tests/test_advice.py's; the real CLI's rows, tests/e2e/test_advice_e2e.py's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_eci_cache.lifecycle.lifecycle import PACKAGE_LABEL, Call
from pulumi_eci_cache.rules.naming import CAMEL, SNAKE, Naming
from tests.support.in_process import Emulator, Provider, inputs

URN = "urn:pulumi:dev::proj::ecicache:index:ImageCache::web"
PUBLIC_FOREVER = {"images": ["nginx:1.25"]}  # no retention, Docker Hub, no EIP


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    world = Emulator()
    yield world
    world.close()


@pytest.fixture(params=[SNAKE, CAMEL], ids=["snake_case", "camelCase"])
def naming(request: pytest.FixtureRequest) -> Naming:
    found: Naming = request.param
    return found


def call(provider: Provider, urn: str = URN) -> Call:
    return Call(urn=urn, log=provider.lines, naming=provider.naming, identity="proj/dev/web")


def preview(provider: Provider, olds: dict[str, Any] | None = None, **fields: Any) -> None:
    news = provider.check(**fields)
    provider.lifecycle.previewed(news, olds, call(provider))


def warnings(provider: Provider) -> list[str]:
    return [line.text for line in provider.lines if line.kind == "warn"]


def advice_names(provider: Provider) -> list[str]:
    names = ("no-retention", "flash", "public-registry", "size", "unused")
    return [n for text in warnings(provider) for n in names if f'add "{n}"' in text]


def test_a_new_caches_preview_warns_each_advice_that_applies(
    emulator: Emulator, naming: Naming
) -> None:
    provider = emulator.provider(naming)
    preview(provider, **PUBLIC_FOREVER)
    assert advice_names(provider) == ["no-retention", "public-registry"]
    field = naming.show("silence_advice")
    assert all(
        f"to {field} on this cache, or to eci-cache:silenceAdvice" in w for w in warnings(provider)
    )


def test_the_same_cache_is_advised_once_per_run(emulator: Emulator) -> None:
    provider = emulator.provider()
    preview(provider, **PUBLIC_FOREVER)
    preview(provider, **PUBLIC_FOREVER)
    assert advice_names(provider) == ["no-retention", "public-registry"]


def test_the_providers_silence_advice_removes_its_names_for_every_cache(
    emulator: Emulator,
) -> None:
    provider = emulator.provider(silence_advice=["public-registry"])
    preview(provider, **PUBLIC_FOREVER)
    assert advice_names(provider) == ["no-retention"]


def test_an_update_that_leaves_the_advised_inputs_alone_is_not_advised(
    emulator: Emulator,
) -> None:
    provider = emulator.provider()
    olds = provider.check(**PUBLIC_FOREVER)
    preview(provider, olds, **PUBLIC_FOREVER, tags={"team": "web"})
    assert advice_names(provider) == []


def test_an_update_that_raises_the_size_is_advised_about_the_size(emulator: Emulator) -> None:
    provider = emulator.provider()
    olds = provider.check(**PUBLIC_FOREVER)
    preview(provider, olds, **PUBLIC_FOREVER, image_cache_size=50)
    assert advice_names(provider) == ["size"]


def test_the_previews_summary_goes_on_the_stacks_row(emulator: Emulator) -> None:
    provider = emulator.provider()
    preview(provider, **PUBLIC_FOREVER, image_cache_size=30)
    (summary,) = [line for line in provider.lines if line.label == PACKAGE_LABEL]
    assert summary.kind == "note"
    assert summary.text.startswith("image cache snapshots in this change: +30 GiB (1 cache")


def test_a_refresh_advises_deleting_a_cache_no_instance_used_for_30_days(
    emulator: Emulator,
) -> None:
    cache_id, outputs = emulator.provider().create()
    emulator.backend.advance_clock(31 * 86400)
    refresh = emulator.provider()  # a later run: a new provider process
    refresh.lifecycle.read(cache_id, outputs, call(refresh))
    assert advice_names(refresh) == ["unused"]
    assert "for 31 days (since it was created)" in warnings(refresh)[0]


def test_an_import_is_not_advised_about_use(emulator: Emulator) -> None:
    cache_id, _ = emulator.provider().create()
    emulator.backend.advance_clock(31 * 86400)
    later = emulator.provider()
    later.lifecycle.read(cache_id, {}, call(later))
    assert advice_names(later) == []


def test_a_cache_with_retention_is_never_advised_about_use(emulator: Emulator) -> None:
    cache_id, outputs = emulator.provider().create(**inputs(retention_days=365))
    emulator.backend.advance_clock(31 * 86400)
    later = emulator.provider()
    later.lifecycle.read(cache_id, outputs, call(later))
    assert advice_names(later) == []
