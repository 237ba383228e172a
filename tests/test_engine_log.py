"""Lines about a cache: on its own row through the engine's Log, or printed whole."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from pulumi_eci_cache.engine.log import (
    PRINTED_STATUS_EVERY,
    EngineLog,
    LineWriter,
    ResourceLog,
    engine_address,
)
from pulumi_eci_cache.lifecycle.lifecycle import cache_label, stack_urn

URN = "urn:pulumi:dev::proj::pulumi-python:dynamic:Resource::web"


class FakeEngine(engine_pb2_grpc.EngineServicer):  # type: ignore[misc]
    """The engine's Log service, recording what it is sent (or refusing, or stalling)."""

    def __init__(self) -> None:
        self.requests: list[engine_pb2.LogRequest] = []
        self.refuse = False
        self.stall = threading.Event()
        self.stalling = False

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        self.requests.append(request)
        if self.stalling:
            self.stall.wait(30)
        if self.refuse:
            context.abort(grpc.StatusCode.UNAVAILABLE, "shutting down")
        return empty_pb2.Empty()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine() -> Iterator[tuple[FakeEngine, str]]:
    fake = FakeEngine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    engine_pb2_grpc.add_EngineServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield fake, f"127.0.0.1:{port}"
    finally:
        fake.stall.set()
        server.stop(0)


def printed_to(
    buffer: io.StringIO, address: str | None, clock: Any = time.monotonic
) -> ResourceLog:
    return ResourceLog(EngineLog(address, deadline=0.5), LineWriter(lambda: buffer), clock)


def refused_address() -> str:
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def test_a_status_reaches_the_engine_as_an_ephemeral_line_of_the_resource(
    engine: tuple[FakeEngine, str],
) -> None:
    fake, address = engine
    out = io.StringIO()
    printed_to(out, address).status("web (imc-1)", "Creating", "45%", urn=URN)
    [sent] = fake.requests
    assert (sent.message, sent.urn, sent.ephemeral) == ("Creating 45%", URN, True)
    assert sent.severity == engine_pb2.INFO
    assert out.getvalue() == ""


def test_a_note_reaches_the_engine_as_a_lasting_line_of_the_resource(
    engine: tuple[FakeEngine, str],
) -> None:
    fake, address = engine
    printed_to(io.StringIO(), address).note("web (imc-1)", "creating imc-1", urn=URN)
    [sent] = fake.requests
    assert (sent.message, sent.urn, sent.ephemeral) == ("creating imc-1", URN, False)


def test_a_warning_reaches_the_engine_with_its_severity(engine: tuple[FakeEngine, str]) -> None:
    fake, address = engine
    printed_to(io.StringIO(), address).warn("web (imc-1)", "imc-1 ended Failed", urn=URN)
    assert fake.requests[0].severity == engine_pb2.WARNING


def test_a_line_outside_any_resource_call_is_printed_with_its_label(
    engine: tuple[FakeEngine, str],
) -> None:
    fake, address = engine
    out = io.StringIO()
    printed_to(out, address).note("web (imc-1)", "creating imc-1")  # no URN: no call served
    assert fake.requests == []
    assert out.getvalue() == "web (imc-1): creating imc-1\n"


def test_lines_are_printed_when_the_engine_refuses_the_connection() -> None:
    out = io.StringIO()
    log = printed_to(out, refused_address())
    log.note("web (imc-1)", "creating imc-1", urn=URN)
    log.warn("web (imc-1)", "imc-1 ended Failed", urn=URN)
    assert out.getvalue() == (
        "web (imc-1): creating imc-1\nweb (imc-1): warning: imc-1 ended Failed\n"
    )


def test_lines_are_printed_when_there_is_no_engine_address() -> None:
    out = io.StringIO()
    printed_to(out, None).status("web (imc-1)", "Deleting", urn=URN)
    assert out.getvalue() == "web (imc-1): Deleting\n"


def test_a_line_the_engine_is_too_slow_to_take_is_printed(
    engine: tuple[FakeEngine, str],
) -> None:
    fake, address = engine
    fake.stalling = True
    out = io.StringIO()
    printed_to(out, address).note("web (imc-1)", "creating imc-1", urn=URN)
    assert out.getvalue() == "web (imc-1): creating imc-1\n"


def test_after_a_failed_call_the_engine_is_left_alone_for_a_while(
    engine: tuple[FakeEngine, str],
) -> None:
    fake, address = engine
    fake.refuse = True
    clock = FakeClock()
    log = ResourceLog(EngineLog(address, retry_after=30, clock=clock), LineWriter(io.StringIO))
    log.note("web (imc-1)", "first", urn=URN)
    log.note("web (imc-1)", "second", urn=URN)
    assert len(fake.requests) == 1
    clock.now = 31
    fake.refuse = False
    log.note("web (imc-1)", "third", urn=URN)
    assert [r.message for r in fake.requests] == ["first", "third"]


def test_printed_statuses_are_kept_to_changes_and_one_every_twenty_seconds() -> None:
    out = io.StringIO()
    clock = FakeClock()
    log = printed_to(out, None, clock)
    log.status("web (imc-1)", "Creating", "10%")
    clock.now = 5
    log.status("web (imc-1)", "Creating", "20%")  # same status, too soon: not printed
    log.status("db (imc-2)", "Creating", "20%")  # another cache: printed
    clock.now = 5 + PRINTED_STATUS_EVERY
    log.status("web (imc-1)", "Creating", "45%")
    log.status("web (imc-1)", "Ready", "100%")  # a new status: printed at once
    assert out.getvalue().splitlines() == [
        "web (imc-1): Creating 10%",
        "db (imc-2): Creating 20%",
        "web (imc-1): Creating 45%",
        "web (imc-1): Ready 100%",
    ]


class HalfWrittenStream(io.StringIO):
    """Writes a line in two halves and, between them, waits until another writer has
    reached the stream (or a moment has passed): an unguarded writer would then put its
    line in the middle of this one, every time, not only under load."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.writers = 0
        self._count = threading.Lock()

    def write(self, text: str) -> int:
        with self._count:
            self.writers += 1
            first = self.writers == 1
        if not first:
            self.entered.set()
        half = len(text) // 2
        super().write(text[:half])
        if first:
            self.entered.wait(0.5)  # the second writer is let in now, unless it is held
        super().write(text[half:])
        return len(text)


def test_lines_written_by_two_threads_never_run_together() -> None:
    stream = HalfWrittenStream()
    writer = LineWriter(lambda: stream)
    lines = ["cache-01 (imc-01): Ready 100%", "cache-02 (imc-02): Ready 100%"]
    first = threading.Thread(target=writer.write, args=(lines[0],))
    first.start()
    while stream.writers == 0:  # the first line is half written
        threading.Event().wait(0.001)
    second = threading.Thread(target=writer.write, args=(lines[1],))
    second.start()
    first.join()
    second.join()
    assert stream.getvalue().splitlines() == lines


def test_the_engine_address_is_the_provider_process_first_argument() -> None:
    assert engine_address(["pulumi/dynamic/__main__.py", "127.0.0.1:40123"]) == "127.0.0.1:40123"


def test_a_harness_port_of_zero_or_no_argument_means_no_engine() -> None:
    assert engine_address(["pulumi/dynamic/__main__.py", "127.0.0.1:0"]) is None
    assert engine_address(["pulumi/dynamic/__main__.py"]) is None


def test_the_stack_row_is_named_by_the_resources_urn() -> None:
    urn = "urn:pulumi:dev::proj::ecicache:index:ImageCache::web"
    assert stack_urn(urn) == "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"


def test_a_printed_line_names_the_cache_by_name_and_id_or_by_id_alone() -> None:
    assert cache_label("web", "imc-1") == "web (imc-1)"
    assert cache_label(None, "imc-1") == "imc-1"
