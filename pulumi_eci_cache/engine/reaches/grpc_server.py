"""Reaches into grpc's server (``grpcio``), checked against 1.68.1 to 1.85.3.

The dynamic provider server is ``grpc.server(ThreadPoolExecutor(4))`` made inside the
SDK, which hands us neither the server nor its executor. We find the servers alive in
the process (``grpc._server._Server``, by a scan of the garbage collector's objects),
their thread pool (``_state.thread_pool``) and their handler tables
(``_state.generic_handlers[i]._method_handlers`` and, in newer releases,
``_state.registered_method_handlers``), whose entries are ``RpcMethodHandler``
namedtuples. Anything not laid out that way is left alone (an empty answer).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["CHECKED", "find_servers", "handler_tables", "server_thread_pool"]

CHECKED = "grpcio 1.68.1 (the floor) to 1.85.3"


def find_servers() -> list[Any]:
    """The gRPC servers alive in this process."""
    try:
        from grpc._server import _Server
    except ImportError:  # grpc reorganised: nothing found
        return []
    return [obj for obj in gc.get_objects() if isinstance(obj, _Server)]


def server_thread_pool(server: Any) -> ThreadPoolExecutor | None:
    """The executor a server runs its handlers on."""
    pool = getattr(getattr(server, "_state", None), "thread_pool", None)
    return pool if isinstance(pool, ThreadPoolExecutor) else None


def handler_tables(server: Any) -> Iterator[dict[str, Any]]:
    """Every ``method path -> RpcMethodHandler`` table of one server (editable in place)."""
    state = getattr(server, "_state", None)
    for generic in getattr(state, "generic_handlers", []):
        table = getattr(generic, "_method_handlers", None)
        if isinstance(table, dict):
            yield table
    registered = getattr(state, "registered_method_handlers", None)
    if isinstance(registered, dict):
        yield registered
