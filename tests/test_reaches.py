"""Canaries of every reach into a dependency's private code (engine/reaches/).

Each fails in one sentence naming the reach and the release installed, so a new
release of the SDK, grpc or Python that changes what we reach is found here, not in a
user's stack. Both ends of the dependency range run them (the matrix corners).
"""

from __future__ import annotations

import ast
import base64
import importlib.metadata
import importlib.util
import platform
import threading
import traceback
import types
from concurrent.futures import ThreadPoolExecutor

import dill
import grpc
import pytest

from pulumi_eci_cache.engine.reaches import futures, grpc_server, pulumi_sdk
from pulumi_eci_cache.errors import ConfigError
from pulumi_eci_cache.provider import ImageCacheProvider

PULUMI = importlib.metadata.version("pulumi")
GRPC = importlib.metadata.version("grpcio")


def changed(reach: str, what: str, release: str) -> str:
    return f"the reach {reach} no longer holds in {release}: {what} (see engine/reaches/)"


def test_the_sdk_pickles_our_provider_by_reference() -> None:
    blob = pulumi_sdk.serialize_provider(ImageCacheProvider())
    loaded = dill.loads(base64.b64decode(blob))
    assert isinstance(loaded, ImageCacheProvider), changed(
        "pulumi.dynamic.dynamic.serialize_provider",
        "it no longer pickles the provider",
        f"pulumi {PULUMI}",
    )


def test_the_sdk_has_its_grpc_message_sizes() -> None:
    options = dict(pulumi_sdk.grpc_channel_options())
    assert options.get("grpc.max_receive_message_length", 0) > 4 * 1024 * 1024, changed(
        "pulumi.runtime._grpc_settings._GRPC_CHANNEL_OPTIONS",
        "no larger receive size is set",
        f"pulumi {PULUMI}",
    )


def test_the_dynamic_server_answers_failures_through_its_traceback_module() -> None:
    """3.272 answers a failing call with ``traceback.format_exc()``; 3.235 lets the
    exception escape (grpc sends its message): either is handled, anything else not."""
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    assert spec is not None and spec.origin is not None
    with open(spec.origin, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    calls = {
        f"{node.func.value.id}.{node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "traceback"
    }
    assert calls <= {"traceback.format_exc"}, changed(
        "pulumi.dynamic.__main__.traceback",
        f"the server now calls {sorted(calls)}",
        f"pulumi {PULUMI}",
    )


def test_the_dynamic_servers_handlers_take_the_request_as_request() -> None:
    """``request_urn`` reads the first call's URN from the handler's ``request`` (read
    from the source: importing the module would start its server)."""
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    assert spec is not None and spec.origin is not None
    with open(spec.origin, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    handlers = {"Check", "Diff", "Create", "Read", "Update", "Delete"}
    arguments = {
        node.name: [arg.arg for arg in node.args.args[:2]]
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name in handlers
    }
    assert arguments == {name: ["self", "request"] for name in handlers}, changed(
        "pulumi.dynamic.__main__ handlers", f"their arguments are {arguments}", f"pulumi {PULUMI}"
    )


def test_the_first_calls_urn_is_read_from_its_handlers_request() -> None:
    request = types.SimpleNamespace(urn="urn:pulumi:s::p::t::web")

    def Check(self: object, request: object, context: object) -> str | None:
        return pulumi_sdk.request_urn()

    assert Check(None, request, None) == "urn:pulumi:s::p::t::web"
    assert pulumi_sdk.request_urn() is None


def test_an_expected_failure_of_the_first_call_is_answered_with_its_sentence() -> None:
    server = types.ModuleType("server")
    server.traceback = traceback  # type: ignore[attr-defined]
    assert pulumi_sdk.answer_failures_with(
        lambda exc: str(exc) if isinstance(exc, ConfigError) else None, server
    )
    try:
        raise ConfigError("web: no region: set alicloud:region")
    except ConfigError:
        answered = server.traceback.format_exc()  # type: ignore[attr-defined]
    assert answered == "web: no region: set alicloud:region"
    try:
        raise KeyError("a bug")
    except KeyError:
        answered = server.traceback.format_exc()  # type: ignore[attr-defined]
    assert answered.startswith("Traceback (most recent call last)")


def provider_server() -> tuple[grpc.Server, ThreadPoolExecutor]:
    from pulumi.runtime.proto import provider_pb2_grpc

    pool = ThreadPoolExecutor(max_workers=4)
    server = grpc.server(pool)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(
        provider_pb2_grpc.ResourceProviderServicer(), server
    )
    return server, pool


def test_grpc_servers_their_pool_and_handler_tables_are_found() -> None:
    _server, pool = provider_server()  # kept alive, so the scan can find it
    ours = [s for s in grpc_server.find_servers() if grpc_server.server_thread_pool(s) is pool]
    if len(ours) != 1:
        pytest.fail(changed("grpc._server._Server", "the server is not found", f"grpcio {GRPC}"))
    create = "/pulumirpc.ResourceProvider/Create"
    tables = [t for t in grpc_server.handler_tables(ours[0]) if create in t]
    assert tables, changed(
        "grpc._server._Server._state handler tables",
        "the provider's methods are in none of them",
        f"grpcio {GRPC}",
    )
    entry = tables[0][create]
    assert callable(entry.unary_unary) and hasattr(entry, "_replace"), changed(
        "grpc.RpcMethodHandler", "its entries are no longer namedtuples", f"grpcio {GRPC}"
    )


def test_a_running_pools_ceiling_can_be_raised() -> None:
    pool = ThreadPoolExecutor(max_workers=1)
    release, started = threading.Event(), threading.Semaphore(0)

    def work() -> None:
        started.release()
        release.wait(10)

    for _ in range(3):
        pool.submit(work)
    futures.raise_ceiling(pool, 4)
    running = sum(started.acquire(timeout=5) for _ in range(3))
    release.set()
    pool.shutdown()
    assert running == 3, changed(
        "ThreadPoolExecutor._max_workers / _adjust_thread_count",
        f"{running} of 3 queued calls ran after the ceiling was raised",
        f"Python {platform.python_version()}",
    )


def test_a_dynamic_providers_config_lists_the_stacks_keys() -> None:
    """``stack_config_keys`` reads the keys ``pulumi.dynamic.Config`` keeps."""
    from pulumi.dynamic import Config

    config = Config(
        raw_config={"eci-cache:endpiont": "x", "alicloud:region": "y"}, project_name="p"
    )
    assert sorted(pulumi_sdk.stack_config_keys(config)) == [
        "alicloud:region",
        "eci-cache:endpiont",
    ], changed("pulumi.dynamic.Config._props", "it no longer holds the keys", f"pulumi {PULUMI}")
