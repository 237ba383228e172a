"""Lifts the dynamic provider server's four-call ceiling, inside that process only.

``python -m pulumi.dynamic`` serves every Check/Diff/Create/Update/Read/Delete of a
deployment from ``grpc.server(ThreadPoolExecutor(max_workers=4))``: a create that
waits ten minutes for a build holds one of four workers, so fifty caches are built
four at a time, and calls queued for 30 minutes are cancelled by gRPC.

Nothing in the SDK lets a provider choose that number, so when our provider is first
loaded into that process we find the gRPC server's executor and raise its
``_max_workers`` (``ThreadPoolExecutor`` reads it on every submit, so new threads are
started on demand from then on), and start threads for the calls already queued.
Our waits are cheap (they block on the shared poller), so many workers cost
threads, not API calls.

The fallback: anything unexpected (another SDK layout, no server found) leaves the
process as it was and says so once on stderr; ``tests/test_concurrency.py`` fails
loudly if the pinned SDK stops matching.
"""

from __future__ import annotations

import gc
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = [
    "DEFAULT_MAX_WORKERS",
    "SDK_WORKERS",
    "find_server_executors",
    "find_servers",
    "in_dynamic_provider_process",
    "lift_worker_ceiling",
]

DEFAULT_MAX_WORKERS = 256
SDK_WORKERS = 4  # what pulumi/dynamic/__main__.py gives its gRPC server
_lock = threading.Lock()
_done = False


def in_dynamic_provider_process() -> bool:
    """True inside ``python -m pulumi.dynamic`` (and only there)."""
    main = sys.modules.get("__main__")
    return getattr(main, "__spec__", None) is not None and main.__spec__.name in (  # type: ignore[union-attr]
        "pulumi.dynamic.__main__",
        "pulumi.dynamic",
    )


def find_servers() -> list[Any]:
    """The gRPC servers alive in this process (the provider server among them)."""
    try:
        from grpc._server import _Server
    except ImportError:  # pragma: no cover - grpc reorganised: fall back
        return []
    return [obj for obj in gc.get_objects() if isinstance(obj, _Server)]


def find_server_executors() -> list[ThreadPoolExecutor]:
    """The thread pools of the gRPC servers alive in this process."""
    pools = []
    for server in find_servers():
        pool = getattr(getattr(server, "_state", None), "thread_pool", None)
        if isinstance(pool, ThreadPoolExecutor):
            pools.append(pool)
    return pools


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
            pool._max_workers = max(pool._max_workers, max_workers)
            # Calls already queued behind the four busy workers get threads now.
            for _ in range(pool._work_queue.qsize()):
                pool._adjust_thread_count()
        if not pools:
            print(
                "pulumi-eci-cache: could not find the provider's gRPC thread pool; "
                "caches will be built at most four at a time",
                file=sys.stderr,
                flush=True,
            )
        return len(pools)
