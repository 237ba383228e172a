"""The lifecycle judges a cache's age on the service's clock (its Date header), so a
machine whose clock is days off adopts and refuses exactly what a correct one would."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EmulatorServer,
)
from pulumi_eci_cache.engine.log import EngineLog, LineWriter, ResourceLog
from pulumi_eci_cache.errors import AdoptionError
from pulumi_eci_cache.lifecycle.lifecycle import Call, ImageCacheLifecycle
from pulumi_eci_cache.lifecycle.runtime import Runtime
from pulumi_eci_cache.rules.api import create_request
from pulumi_eci_cache.rules.check import spec_from_inputs
from pulumi_eci_cache.rules.config import ProviderConfig

DAY = 86400.0
INPUTS = {"image_cache_name": "web", "images": ["nginx:1.25"], "timeout": "1h"}


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(build_seconds=0.2) as server:
        yield server


def lifecycle(emulator: EmulatorServer, skew: float) -> ImageCacheLifecycle:
    config = ProviderConfig(endpoint=emulator.url, region="cn-hangzhou", poll_floor_seconds=0.05)
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
    }
    runtime = Runtime(config, environ=env, local_clock=lambda: time.time() + skew)
    return ImageCacheLifecycle(runtime)


def call() -> Call:
    return Call(urn=None, log=ResourceLog(EngineLog(None), LineWriter()), identity="p/s/web")


def orphan(emulator: EmulatorServer, age: float) -> str:
    """A cache this resource's create left behind ``age`` seconds ago (service time)."""
    region = lifecycle(emulator, 0).runtime.region()
    tag, _ = region.identity_tag("p/s/web")
    cache = emulator.backend.create_image_cache(
        "cn-hangzhou", create_request(spec_from_inputs(INPUTS), tag)
    )
    cache.creation_time -= age
    return cache.cache_id


@pytest.mark.parametrize("skew", [-2 * DAY, 2 * DAY])
def test_a_recent_orphan_is_adopted_on_a_skewed_machine(
    emulator: EmulatorServer, skew: float
) -> None:
    left = orphan(emulator, age=60)
    cache_id, _ = lifecycle(emulator, skew).create(INPUTS, call())
    assert cache_id == left


@pytest.mark.parametrize("skew", [-2 * DAY, 2 * DAY])
def test_an_old_orphan_is_refused_on_a_skewed_machine(
    emulator: EmulatorServer, skew: float
) -> None:
    left = orphan(emulator, age=DAY)
    with pytest.raises(AdoptionError, match=f"{left}.*older than this resource's timeout"):
        lifecycle(emulator, skew).create(INPUTS, call())
