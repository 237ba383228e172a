"""What a user sees of each cache while it works: lines on the resource's own row.

A dynamic provider's stdout reaches ``pulumi up`` as loose lines of the stack, not of
the resource they are about. Native providers call the engine's ``pulumirpc.Engine/Log``
with the resource's URN instead: an ``ephemeral`` line is the status on the resource's
row, replaced in place (``Creating 45%``); a lasting one is listed under the resource.
The engine hands its address to every provider process as its first argument (``python
-u -m pulumi.dynamic <engine address>``, ``pulumi-resource-ecicache <engine address>``)
and every call names its resource by URN, which the caller passes with each line; this
module does the same as native providers, over one gRPC channel per provider and with a
short deadline per line (a slow engine never holds a create up for long). With no engine to
talk to (no address, a test harness's ``127.0.0.1:0``, a refused connection) a line is
printed instead, named by its label (``web (imc-...)``) and written whole under a lock:
``print`` writes the text and the newline apart, so lines of concurrent caches would
run together. Printed statuses are kept to changes of status and one a cache every
``PRINTED_STATUS_EVERY`` seconds, since a printed line stays where an ephemeral one is
replaced. No line carries a secret: callers pass names, ids, statuses and reasons.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Literal, TextIO

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

__all__ = [
    "PRINTED_STATUS_EVERY",
    "EngineLog",
    "LineWriter",
    "ResourceLog",
    "engine_address",
    "resource_log",
]

Severity = Literal["info", "warning"]

LOG_DEADLINE = 2.0  # seconds one Log call may take before the line is printed instead
RETRY_ENGINE_AFTER = 30.0  # after a failed Log call, print for this long before retrying
PRINTED_STATUS_EVERY = 20.0


def engine_address(argv: list[str]) -> str | None:
    """The engine's address in a provider process's arguments (its first), if any.

    A port of 0 (what test harnesses pass when there is no engine) counts as none.
    """
    if len(argv) < 2 or not argv[1] or argv[1].rsplit(":", 1)[-1] == "0":
        return None
    return argv[1]


class LineWriter:
    """Writes each line whole: text and newline in one ``write``, one writer at a time."""

    def __init__(self, stream: Callable[[], TextIO] = lambda: sys.stdout) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def write(self, line: str) -> None:
        with self._lock:
            stream = self._stream()
            stream.write(line + "\n")
            stream.flush()


class EngineLog:
    """The engine's Log service, reached lazily over one channel; ``send`` never raises."""

    def __init__(
        self,
        address: str | None,
        deadline: float = LOG_DEADLINE,
        retry_after: float = RETRY_ENGINE_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.address = address
        self._deadline = deadline
        self._retry_after = retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._stub: Any = None
        self._quiet_until = float("-inf")

    def send(self, severity: Severity, message: str, urn: str, ephemeral: bool) -> bool:
        """Log ``message`` on the resource ``urn``; False when the engine did not take it."""
        stub = self._connect()
        if stub is None:
            return False
        level = engine_pb2.WARNING if severity == "warning" else engine_pb2.INFO
        request = engine_pb2.LogRequest(
            severity=level, message=message, urn=urn, ephemeral=ephemeral
        )
        try:
            stub.Log(request, timeout=self._deadline)
        except grpc.RpcError:
            with self._lock:
                self._quiet_until = self._clock() + self._retry_after
            return False
        return True

    def _connect(self) -> Any:
        if self.address is None:
            return None
        with self._lock:
            if self._clock() < self._quiet_until:
                return None
            if self._stub is None:
                channel = grpc.insecure_channel(self.address)
                self._stub = engine_pb2_grpc.EngineStub(channel)
            return self._stub


class ResourceLog:
    """Lines about resources: to the engine on the resource's row, or printed whole."""

    def __init__(
        self,
        engine: EngineLog,
        printer: LineWriter,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.printer = printer
        self._clock = clock
        self._lock = threading.Lock()
        self._printed: dict[str, tuple[str, float]] = {}  # label -> (status, when)

    def status(self, label: str, state: str, detail: str = "", urn: str | None = None) -> None:
        """Show ``state detail`` (``Creating 45%``) on the resource's row, replacing the last.

        ``label`` names the cache in a printed line; ``urn`` is the resource's.
        """
        self._emit(label, f"{state} {detail}".strip(), "info", urn, status=state)

    def note(self, label: str, message: str, urn: str | None = None) -> None:
        """A lasting line under the resource: its cache id, an adoption, a change's reason."""
        self._emit(label, message, "info", urn)

    def warn(self, label: str, message: str, urn: str | None = None) -> None:
        """A lasting warning under the resource (a failed build's reasons)."""
        self._emit(label, message, "warning", urn)

    def _emit(
        self,
        label: str,
        message: str,
        severity: Severity,
        urn: str | None,
        status: str | None = None,
    ) -> None:
        ephemeral = status is not None
        if urn and self.engine.send(severity, message, urn, ephemeral):
            return
        if status is not None and not self._worth_printing(label, status):
            return
        prefix = "warning: " if severity == "warning" else ""
        self.printer.write(f"{label}: {prefix}{message}")

    def _worth_printing(self, label: str, status: str) -> bool:
        now = self._clock()
        with self._lock:
            last = self._printed.get(label)
            if last is not None and last[0] == status and now - last[1] < PRINTED_STATUS_EVERY:
                return False
            self._printed[label] = (status, now)
            return True


def resource_log(argv: list[str]) -> ResourceLog:
    """The lines of a provider process whose arguments are ``argv`` (sys.argv)."""
    return ResourceLog(EngineLog(engine_address(argv)), LineWriter())
