"""Reaches into the Pulumi Python SDK (``pulumi``), checked against 3.235.0 to 3.272.0.

- ``serialize_provider``: how the SDK pickles a dynamic provider into a resource's
  ``__provider`` (``pulumi.dynamic.dynamic.serialize_provider``): a Diff middleware
  knows a request is one of ours by that string;
- ``grpc_channel_options``: the SDK's gRPC message-size options
  (``pulumi.runtime._grpc_settings._GRPC_CHANNEL_OPTIONS``), which the plugin's server
  takes too;
- ``dynamic_server_module`` / ``answer_failures_with``: the dynamic provider server
  (``python -m pulumi.dynamic``) answers a failing call with
  ``traceback.format_exc()`` (3.272) from its module's ``traceback``; our provider is
  loaded inside the process's first call, too late for the server hooks to wrap that
  call, so its ``traceback`` is answered by us: an expected failure's sentence, a
  bug's traceback. On 3.235 the server lets the exception escape (grpc then sends
  its message), and nothing needs doing;
- ``stack_config_keys``: every key of the stack config a dynamic provider's
  ``configure`` gets (``pulumi.dynamic.Config`` keeps them in ``_props`` and offers
  only ``get`` and ``require`` by key), so a mistyped key of ours can be refused;
- ``request_urn``: that first call's URN, for its lines (the hooks give every later
  call's), read from the ``request`` argument of the server's handler
  (``ResourceProviderServicer.Check(self, request, context)``) up the thread's stack.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

__all__ = [
    "CHECKED",
    "answer_failures_with",
    "dynamic_server_module",
    "grpc_channel_options",
    "request_urn",
    "serialize_provider",
    "stack_config_keys",
]

CHECKED = "pulumi 3.235.0 (the floor) to 3.272.0"
DYNAMIC_SERVER_MODULES = ("pulumi.dynamic.__main__", "pulumi.dynamic")


def serialize_provider(provider: object) -> str:
    """The ``__provider`` string the SDK writes for ``provider``."""
    from pulumi.dynamic.dynamic import serialize_provider as serialize

    return str(serialize(provider))


def grpc_channel_options() -> list[tuple[str, Any]]:
    """The SDK's gRPC options (message sizes), or none where it has none."""
    try:
        from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
    except ImportError:
        return []
    return list(_GRPC_CHANNEL_OPTIONS)


def stack_config_keys(config: object) -> list[str]:
    """The keys of a dynamic provider's ``ConfigureRequest.config`` (none if the SDK
    keeps them elsewhere: then no key is refused, as before)."""
    props = getattr(config, "_props", None)
    return [str(key) for key in props] if isinstance(props, Mapping) else []


_HANDLERS = frozenset({"Check", "Diff", "Create", "Read", "Update", "Delete"})


def request_urn() -> str | None:
    """The URN of the request the dynamic provider server's handler in this thread
    serves, if there is one (its frame's ``request``)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name in _HANDLERS:
            urn = getattr(frame.f_locals.get("request"), "urn", None)
            if isinstance(urn, str) and urn:
                return urn
        frame = frame.f_back  # type: ignore[assignment]
    return None


def dynamic_server_module() -> ModuleType | None:
    """The module of ``python -m pulumi.dynamic`` when this process is that server."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if main is not None and spec is not None and spec.name in DYNAMIC_SERVER_MODULES:
        return main
    return None


class _Traceback:
    """The ``traceback`` module, but ``format_exc`` of an expected failure is its sentence."""

    def __init__(self, real: ModuleType, message_of: Callable[[BaseException], str | None]):
        self._real = real
        self._message_of = message_of

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        active = sys.exc_info()[1]
        message = self._message_of(active) if active is not None else None
        return message if message is not None else self._real.format_exc(*args, **kwargs)


def answer_failures_with(
    message_of: Callable[[BaseException], str | None], module: ModuleType | None = None
) -> bool:
    """Make the dynamic provider server (``module``, by default this process's) answer
    an expected failure with ``message_of(exc)``; whether it could."""
    server = module if module is not None else dynamic_server_module()
    if server is None:
        return False
    current = getattr(server, "traceback", None)
    if isinstance(current, _Traceback):
        return True
    if current is not traceback:
        return False  # not the layout checked: leave the server as it is
    server.traceback = _Traceback(traceback, message_of)  # type: ignore[attr-defined]
    return True
