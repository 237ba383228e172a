"""Random faults in the emulator: rates, seeds that replay, and what each fault does."""

from __future__ import annotations

import httpx
import pytest

from pulumi_eci_cache.emulator import EmulatedEci
from pulumi_eci_cache.emulator.faults import Chaos, Faults


def draws(chaos: Chaos, action: str, n: int) -> list[str]:
    return [
        "none" if (f := chaos.draw(action)) is None else f"{f.kind}/{f.code}/{f.after_success}"
        for _ in range(n)
    ]


def test_the_same_seed_gives_the_same_faults_to_the_same_calls() -> None:
    rates = {"throttle": 0.2, "server_error": 0.1, "reset": 0.1, "lost": 0.1}
    first = draws(Chaos(seed=7, **rates), "CreateImageCache", 50)
    again = draws(Chaos(seed=7, **rates), "CreateImageCache", 50)
    other = draws(Chaos(seed=8, **rates), "CreateImageCache", 50)
    assert first == again and first != other


def test_rates_decide_how_often_each_fault_comes() -> None:
    chaos = Chaos(seed=1, throttle=0.3)
    draws(chaos, "DescribeImageCaches", 2000)
    assert 500 <= chaos.injected["throttle"] <= 700
    assert set(chaos.injected) == {"throttle"}


def test_answers_are_only_lost_after_calls_that_change_something() -> None:
    chaos = Chaos(seed=3, lost=1.0)
    assert draws(chaos, "DescribeImageCaches", 5) == ["none"] * 5
    assert draws(chaos, "DeleteImageCache", 1) == ["drop/ServiceUnavailable/True"]


def test_chaos_is_set_and_cleared_from_admin_json() -> None:
    faults = Faults()
    faults.configure({"chaos": {"seed": 5, "reset": 0.5}})
    assert faults.chaos is not None and faults.to_json()["chaos"]["seed"] == 5
    faults.configure({"chaos": None})
    assert faults.chaos is None


def test_a_lost_create_still_makes_the_cache(eci_emulator: EmulatedEci) -> None:
    eci_emulator.backend.faults.chaos = Chaos(seed=0, lost=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        eci_emulator.call("CreateImageCache", {"ImageCacheName": "web", "Image.1": "nginx:1.25"})
    assert [c.spec["ImageCacheName"] for c in eci_emulator.backend.all_caches()] == ["web"]
