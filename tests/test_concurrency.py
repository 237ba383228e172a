"""The provider process runs many calls at once (the SDK alone runs four).

If these fail after a pulumi upgrade, the SDK's provider server changed shape and
pulumi_eci_cache.engine.dynamic.concurrency must be taught the new one.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from tests.support.barrier_provider import PARTIES, BarrierProvider, UnliftedBarrierProvider
from tests.support.provider_server import ProviderServer


def create_all_at_once(server: ProviderServer) -> list[str]:
    server.configure({})
    with ThreadPoolExecutor(PARTIES) as pool:
        futures = [pool.submit(server.create, f"r{i}", {}, 30) for i in range(PARTIES)]
        return [f.result()[0] for f in futures]


def test_twelve_creates_run_at_the_same_time_once_our_provider_is_loaded() -> None:
    with ProviderServer(BarrierProvider()) as server:
        assert create_all_at_once(server) == ["ok"] * PARTIES


def test_the_sdk_alone_runs_at_most_four_calls_at_once() -> None:
    # The control: proves the barrier really needs the lifted ceiling.
    with ProviderServer(UnliftedBarrierProvider()) as server, pytest.raises(grpc.RpcError):
        create_all_at_once(server)


def test_the_ceiling_is_only_lifted_inside_the_provider_process() -> None:
    from pulumi_eci_cache.engine.dynamic.concurrency import lift_worker_ceiling

    # pytest is not `python -m pulumi.dynamic`: nothing must change here.
    assert lift_worker_ceiling() == 0
