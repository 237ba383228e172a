"""A wait past its deadline names the setting that set it and the way out that works.

The plugin gets the engine's ``customTimeouts`` with each call (``Call.timeout``), and
they win over the ``timeout`` input; the next ``pulumi up`` updates the kept cache, and
an update waits as long as customTimeouts' update (else the input) allows. So "raise
the resource's timeout" is right only when the input set the deadline.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EmulatorServer,
)
from pulumi_eci_cache.engine.log import EngineLog, LineWriter, ResourceLog
from pulumi_eci_cache.errors import ResourceInitError
from pulumi_eci_cache.lifecycle.lifecycle import Call, ImageCacheLifecycle
from pulumi_eci_cache.lifecycle.runtime import Runtime
from pulumi_eci_cache.rules.config import ProviderConfig
from pulumi_eci_cache.rules.naming import CAMEL

INPUTS = {"image_cache_name": "web", "images": ["nginx:1.25"], "timeout": "1h"}


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(build_seconds=0.2, hold_builds=True) as server:
        yield server


@pytest.fixture
def lifecycle(emulator: EmulatorServer) -> Iterator[ImageCacheLifecycle]:
    config = ProviderConfig(endpoint=emulator.url, region="cn-hangzhou", poll_floor_seconds=0.05)
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
    }
    runtime = Runtime(config, environ=env)
    yield ImageCacheLifecycle(runtime)
    runtime.close()


def call(custom_timeout: float | None = None) -> Call:
    """A call of the plugin (camelCase names), with the engine's customTimeouts if any."""
    log = ResourceLog(EngineLog(None), LineWriter())
    return Call(urn=None, log=log, naming=CAMEL, identity="p/s/web", timeout=custom_timeout)


def kept(lifecycle: ImageCacheLifecycle) -> tuple[str, dict[str, object]]:
    """A cache whose create ran out of time (customTimeouts create: 1s) and was kept."""
    with pytest.raises(ResourceInitError) as info:
        lifecycle.create(INPUTS, call(custom_timeout=1.0))
    return info.value.cache_id, info.value.outputs


def test_past_the_timeout_input_raising_it_is_the_way_out(
    lifecycle: ImageCacheLifecycle,
) -> None:
    with pytest.raises(ResourceInitError) as info:
        lifecycle.create({**INPUTS, "timeout": "1s"}, call())
    assert "): not Ready after 1s while Creating" in info.value.reason
    assert "raise the resource's timeout and run `pulumi up` again" in info.value.reason


def test_past_customtimeouts_create_the_next_update_waits_anew(
    lifecycle: ImageCacheLifecycle,
) -> None:
    with pytest.raises(ResourceInitError) as info:
        lifecycle.create(INPUTS, call(custom_timeout=1.0))
    reason = info.value.reason
    assert "): not Ready after 1s (customTimeouts create) while Creating" in reason
    assert "run `pulumi up` again to keep waiting for it" in reason
    assert "the update of the resource's customTimeouts allows (else its timeout)" in reason
    assert "raise the resource's timeout" not in reason  # it is 1h: raising it does nothing


def test_past_customtimeouts_update_raising_that_is_the_way_out(
    lifecycle: ImageCacheLifecycle,
) -> None:
    cache_id, outputs = kept(lifecycle)
    with pytest.raises(ResourceInitError) as info:
        lifecycle.update(cache_id, outputs, INPUTS, call(custom_timeout=1.0))
    reason = info.value.reason
    assert "): not Ready after 1s (customTimeouts update) while Creating" in reason
    assert "raise the update of the resource's customTimeouts and run `pulumi up` again" in reason
