"""Lifts the dynamic provider server's four-call ceiling, inside that process only.

``python -m pulumi.dynamic`` serves every Check/Diff/Create/Update/Read/Delete of a
deployment from ``grpc.server(ThreadPoolExecutor(max_workers=4))``: a create that
waits ten minutes for a build holds one of four workers, so fifty caches are built
four at a time, and calls queued for 30 minutes are cancelled by gRPC.

Nothing in the SDK lets a provider choose that number, so when our provider is first
loaded into that process we find the gRPC server's executor and raise its ceiling
(engine/reaches/: grpc_server.py finds it, futures.py raises it), and threads start for
the calls already queued.
Our waits are cheap (they block on the shared poller), so many workers cost
threads, not API calls.

The fallback: anything unexpected (another SDK layout, no server found) leaves the
process as it was and says so once on stderr; ``tests/test_concurrency.py`` fails
loudly if the pinned SDK stops matching.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from pulumi_eci_cache.engine.reaches import futures, grpc_server, pulumi_sdk

__all__ = [
    "DEFAULT_MAX_WORKERS",
    "SDK_WORKERS",
    "find_server_executors",
    "in_dynamic_provider_process",
    "lift_worker_ceiling",
]

DEFAULT_MAX_WORKERS = 256
SDK_WORKERS = 4  # what pulumi/dynamic/__main__.py gives its gRPC server
_lock = threading.Lock()
_done = False


def in_dynamic_provider_process() -> bool:
    """True inside ``python -m pulumi.dynamic`` (and only there)."""
    return pulumi_sdk.dynamic_server_module() is not None


def find_server_executors() -> list[ThreadPoolExecutor]:
    """The thread pools of the gRPC servers alive in this process."""
    pools = (grpc_server.server_thread_pool(server) for server in grpc_server.find_servers())
    return [pool for pool in pools if pool is not None]


def lift_worker_ceiling(max_workers: int = DEFAULT_MAX_WORKERS, force: bool = False) -> int:
    """Raise the provider server's worker limit; returns how many pools were changed.

    Runs once per process; does nothing outside the dynamic provider process unless
    ``force`` (tests).
    """
    global _done
    with _lock:
        if _done and not force:
            return 0
        _done = True
        if not force and not in_dynamic_provider_process():
            return 0
        pools = find_server_executors()
        for pool in pools:
            futures.raise_ceiling(pool, max_workers)
        if not pools:
            print(
                "pulumi-eci-cache: could not find the provider's gRPC thread pool; "
                "caches will be built at most four at a time",
                file=sys.stderr,
                flush=True,
            )
        return len(pools)
