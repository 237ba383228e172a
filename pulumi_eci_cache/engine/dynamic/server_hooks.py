"""Hooks into the SDK's dynamic provider server, for what the Python API cannot say.

The engine starts every dynamic provider as ``python -m pulumi.dynamic <engine address>``,
a gRPC server whose handlers call our ``ResourceProvider`` methods. Three things a good
provider needs are out of reach of those methods, so once our provider is loaded into
that process (``provider.configure``) we wrap the server's lifecycle handlers:

- **the call's context**: every request (Check, Diff, Create, Read, Update, Delete)
  carries the resource's URN; ``current_urn()`` gives it to code running in the
  handler's thread, so a status line can be attached to that resource's row;
- **clean failures**: the SDK's servicer answers every exception with
  ``traceback.format_exc()``. A failure we expect (``errors.EciCacheError``, invalid
  inputs) is meant to be read by a person, so its message alone replaces the traceback;
  anything else is a bug and keeps its traceback;
- **a cache kept when its wait ends early**: a create or update whose wait the engine
  cancelled, or whose ``timeout`` ran out, raises ``errors.ResourceInitError``; it is
  answered with the protocol's "initialization failed" detail (the id, the outputs so
  far with the call's ``__provider`` and ``__identity``, the reason), so the engine
  records the cache and the next ``pulumi up`` updates it, which waits again;
- **middleware** the provider adds per method (``use``): detailed_diff.py fills the
  Diff response's per-property diff; a Cancel middleware ends every wait (the SDK's
  own Cancel does nothing).

The wrapping goes through grpc's handler tables (engine/reaches/grpc_server.py): if a
future grpc lays them out differently, nothing is wrapped and the process behaves as
the SDK alone would (tests/test_reaches.py fails, naming the reach, on such a version).
The process's first call runs before the hooks exist (our provider is loaded inside
it); its failures are answered through the server's ``traceback``
(engine/reaches/pulumi_sdk.py), with the same sentence.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pulumi_eci_cache.engine.dynamic.concurrency import in_dynamic_provider_process
from pulumi_eci_cache.engine.failures import expected_failure_message
from pulumi_eci_cache.engine.reaches import grpc_server, pulumi_sdk

__all__ = [
    "LIFECYCLE_METHODS",
    "Middleware",
    "current_urn",
    "install",
    "use",
]

SERVICE = "/pulumirpc.ResourceProvider/"
LIFECYCLE_METHODS = ("Check", "Diff", "Create", "Read", "Update", "Delete", "Cancel")

# ``middleware(request, proceed) -> response``: ``proceed()`` runs the rest of the chain.
Middleware = Callable[[Any, Callable[[], Any]], Any]

_local = threading.local()
_lock = threading.Lock()
_installed = False
_middleware: dict[str, list[Middleware]] = defaultdict(list)


def use(method: str, middleware: Middleware) -> None:
    """Run ``middleware`` around every ``method`` call (register before ``install``)."""
    if method not in LIFECYCLE_METHODS:
        raise ValueError(f"{method} is not one of {', '.join(LIFECYCLE_METHODS)}")
    with _lock:
        if middleware not in _middleware[method]:
            _middleware[method].append(middleware)


def current_urn() -> str | None:
    """The URN of the resource whose call this thread is serving, if any (the process's
    first call, which runs before the hooks exist, is found on the thread's stack)."""
    urn = getattr(_local, "urn", None)
    return str(urn) if urn else pulumi_sdk.request_urn()


def _init_failed_status(exc: Any, request: Any) -> Any:
    """The kept cache's status: its outputs, with the call's ``__provider`` and
    ``__identity``, marshalled the way the dynamic server does (engine/status.py)."""
    import asyncio

    from pulumi.runtime import rpc

    from pulumi_eci_cache.engine.status import init_failed_status

    given = request.properties if hasattr(request, "properties") else request.news
    internal = {
        k: v for k, v in rpc.deserialize_properties(given, True).items() if k.startswith("__")
    }
    loop = asyncio.new_event_loop()
    try:
        properties = loop.run_until_complete(
            rpc.serialize_properties({**exc.outputs, **internal}, {})
        )
    finally:
        loop.close()
    return init_failed_status(exc.cache_id, properties, str(exc))


class _CleanAbort:
    """A gRPC context whose ``abort`` sends an expected failure's message, not a
    traceback, and a kept cache's "initialization failed" detail."""

    def __init__(self, context: Any, request: Any) -> None:
        self._context = context
        self._request = request
        self.aborted = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def abort(self, code: Any, details: str) -> Any:
        self.aborted = True  # grpc's abort raises; the wrapper must let that through
        active = sys.exc_info()[1]
        return self.answer(active, code, details)

    def answer(self, exc: BaseException | None, code: Any, details: str) -> Any:
        from pulumi_eci_cache.errors import ResourceInitError

        if isinstance(exc, ResourceInitError):
            return self._context.abort_with_status(_init_failed_status(exc, self._request))
        message = expected_failure_message(exc) if exc is not None else None
        return self._context.abort(code, message if message is not None else details)


def _wrap(method: str, original: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def handler(request: Any, context: Any) -> Any:
        previous = getattr(_local, "urn", None)
        _local.urn = getattr(request, "urn", None) or None
        clean = _CleanAbort(context, request)
        try:
            chain = list(_middleware.get(method, ()))

            def proceed(index: int = 0) -> Any:
                if index == len(chain):
                    return original(request, clean)
                return chain[index](request, lambda: proceed(index + 1))

            try:
                return proceed()
            except Exception as exc:
                if clean.aborted:  # the servicer answered already (and grpc raised)
                    raise
                # Older SDKs let exceptions escape (grpc then says only "Exception
                # calling application"): answer as newer ones do, with the traceback of
                # a bug, and the message alone of an expected failure.
                import grpc

                clean.answer(exc, grpc.StatusCode.UNKNOWN, traceback.format_exc())
        finally:
            _local.urn = previous

    return handler


def install(force: bool = False) -> int:
    """Wrap the lifecycle handlers of the provider server(s) in this process, once.

    Returns how many handlers were wrapped (0 outside the provider process, unless
    ``force`` -- for tests that build their own server).
    """
    global _installed
    with _lock:
        if _installed and not force:
            return 0
        if not force and not in_dynamic_provider_process():
            return 0
        _installed = True
        wrapped = 0
        for server in grpc_server.find_servers():
            for table in grpc_server.handler_tables(server):
                for method in LIFECYCLE_METHODS:
                    entry = table.get(SERVICE + method)
                    if entry is None or entry.unary_unary is None:
                        continue
                    if getattr(entry.unary_unary, "_eci_cache_hooked", False):
                        continue
                    hooked = _wrap(method, entry.unary_unary)
                    hooked._eci_cache_hooked = True  # type: ignore[attr-defined]
                    table[SERVICE + method] = entry._replace(unary_unary=hooked)
                    wrapped += 1
        return wrapped
