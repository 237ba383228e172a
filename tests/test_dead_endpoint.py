"""An endpoint found dead once fails every other call at once; failures no retry can
change fail at once (the RPC caller, rpc.py, at the HTTP seam with respx)."""

from __future__ import annotations

import httpx
import pytest
import respx

from pulumi_eci_cache.cloud.client import EciClient, static_settings
from pulumi_eci_cache.cloud.rpc import PROBE_EVERY
from pulumi_eci_cache.errors import TransportError
from pulumi_eci_cache.rules.retry import RetryPolicy
from tests.support.manual_clock import ManualClock as Clock

ENDPOINT = "https://eci.cn-hangzhou.aliyuncs.com"
OK = httpx.Response(200, json={"RequestId": "r", "ImageCaches": [], "NextToken": ""})


def client(clock: Clock, endpoint: str = ENDPOINT) -> EciClient:
    settings = static_settings(endpoint, "cn-hangzhou", "key-id", "key-secret")
    policy = RetryPolicy(max_attempts=100, max_transport_seconds=60.0)
    return EciClient(settings, retry=policy, sleep=clock.sleep, clock=clock)


@respx.mock
def test_after_one_call_gave_up_on_the_endpoint_the_others_fail_at_once() -> None:
    clock = Clock()
    route = respx.get(f"{ENDPOINT}/").mock(side_effect=httpx.ConnectError("refused"))
    with client(clock) as eci:
        with pytest.raises(TransportError) as first:
            eci.describe_image_caches()
        tried = route.call_count
        assert clock.now >= 30.0 and first.value.given_up
        with pytest.raises(TransportError) as second:
            eci.delete_image_cache("imc-1")
    assert route.call_count == tried  # no request at all
    assert str(second.value) == str(first.value)  # the same sentence


@respx.mock
def test_one_call_probes_a_dead_endpoint_and_clears_it_when_it_answers() -> None:
    clock = Clock()
    route = respx.get(f"{ENDPOINT}/").mock(side_effect=httpx.ConnectError("refused"))
    with client(clock) as eci:
        with pytest.raises(TransportError):
            eci.describe_image_caches()
        clock.now += PROBE_EVERY
        route.mock(side_effect=None, return_value=OK)
        assert eci.describe_image_caches() == []
        assert eci.describe_image_caches() == []  # no longer down


@respx.mock
def test_a_probe_that_fails_tries_once() -> None:
    clock = Clock()
    route = respx.get(f"{ENDPOINT}/").mock(side_effect=httpx.ConnectError("refused"))
    with client(clock) as eci:
        with pytest.raises(TransportError):
            eci.describe_image_caches()
        tried = route.call_count
        clock.now += PROBE_EVERY
        with pytest.raises(TransportError):
            eci.describe_image_caches()
    assert route.call_count == tried + 1


@respx.mock
def test_a_call_with_its_own_short_policy_does_not_mark_the_endpoint_down() -> None:
    # A polling round tries twice; the poller keeps its own patience.
    clock = Clock()
    route = respx.get(f"{ENDPOINT}/").mock(side_effect=httpx.ConnectError("refused"))
    with client(clock) as eci:
        with pytest.raises(TransportError) as info:
            eci.describe_image_caches(retry=RetryPolicy(max_attempts=2))
        assert not info.value.given_up
        route.mock(side_effect=None, return_value=OK)
        assert eci.describe_image_caches() == []


def test_a_tls_handshake_with_a_plain_http_server_fails_at_once_saying_http() -> None:
    """https:// to the emulator, which speaks plain HTTP: a real TLS failure."""
    from pulumi_eci_cache.emulator import EmulatorServer

    clock = Clock()
    with EmulatorServer() as emulator:
        plain = emulator.url.replace("http://", "https://")
        with client(clock, plain) as eci, pytest.raises(TransportError) as info:
            eci.describe_image_caches()
        assert sum(emulator.backend.call_counts.values()) == 0
    assert clock.now == 0.0  # no retry waited
    assert "write http:// in eci-cache:endpoint" in str(info.value)


def test_an_unsupported_scheme_fails_at_once_saying_what_to_fix() -> None:
    clock = Clock()
    with client(clock, "ftp://127.0.0.1:8686") as eci, pytest.raises(TransportError) as info:
        eci.describe_image_caches()
    assert clock.now == 0.0  # no retry waited
    assert "must be an http:// or https:// URL: fix eci-cache:endpoint" in str(info.value)
