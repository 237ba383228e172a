"""Drives the SDK's real dynamic provider server (``python -m pulumi.dynamic``) over gRPC.

The same process the Pulumi engine starts, spoken to the way the engine speaks to it,
so lifecycle tests exercise pickling, configure, the thread pool and the wire
(de)serialisation without the Go engine. It replays the engine's calls; it is no
substitute for the end-to-end tests under the real CLI (tests/e2e). What the process
prints is read as it comes, so a test can wait for a line (``wait_for_output``) instead
of sleeping, and ``close`` returns all of it.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import grpc
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import ResourceProvider, serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_eci_cache.rules.values import UNKNOWN, is_unknown
from tests.support.background import DEADLINE

REPO = Path(__file__).resolve().parents[2]
URN = "urn:pulumi:test::eci::pulumi-python:dynamic/eci:ImageCache::{name}"


def _engine_unknowns(value: Any) -> Any:
    """``model.UNKNOWN`` as the engine sends an unknown to a dynamic provider."""
    if is_unknown(value):
        return rpc.UNKNOWN
    if isinstance(value, Mapping):
        return {k: _engine_unknowns(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_engine_unknowns(v) for v in value]
    return value


def _model_unknowns(value: Any) -> Any:
    """The SDK's ``Unknown`` as ``model.UNKNOWN``, so tests of both faces compare alike."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: _model_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_model_unknowns(v) for v in value]
    return value


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    return asyncio.run(rpc.serialize_properties(_engine_unknowns(dict(props)), {}))


def from_struct(struct: struct_pb2.Struct, keep_unknowns: bool = False) -> dict[str, Any]:
    return dict(_model_unknowns(rpc.deserialize_properties(struct, keep_unknowns)))


class ProviderProcess:
    """A provider process the engine would start (``python <args> <engine address>``),
    called the way the engine calls it; ``close()`` (or ``with``) stops it.

    A face says how its wire carries properties: ``_news`` (a call's new inputs),
    ``_olds`` (stored outputs), ``_plain`` (an answer's properties) and ``urn``.
    """

    urn = URN

    def __init__(self, args: list[str], env: Mapping[str, str] | None = None) -> None:
        full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-u", *args, "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            cwd=str(REPO),
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        port = int(self.process.stdout.readline().decode().strip())
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self._printed = threading.Condition()
        self._out: list[str] = []
        self._err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(stream, lines), daemon=True)
            for stream, lines in (
                (self.process.stdout, self._out),
                (self.process.stderr, self._err),
            )
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[bytes], lines: list[str]) -> None:
        for line in iter(stream.readline, b""):
            with self._printed:
                lines.append(line.decode(errors="replace"))
                self._printed.notify_all()

    def __enter__(self) -> ProviderProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def output(self) -> str:
        """What the process has printed so far (its stdout, then its stderr)."""
        with self._printed:
            return "".join(self._out) + "".join(self._err)

    def wait_for_output(self, pattern: str) -> re.Match[str]:
        """The first match of the regular expression ``pattern`` in what the process
        prints, once it has printed it (within ``DEADLINE``)."""
        with self._printed:
            if not self._printed.wait_for(lambda: re.search(pattern, self.output()), DEADLINE):
                raise AssertionError(f"the provider printed no {pattern!r}: {self.output()}")
            match = re.search(pattern, self.output())
        assert match is not None
        return match

    def close(self) -> str:
        """Stop the process; returns all it printed (its stdout, then its stderr)."""
        self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for reader in self._readers:  # every line written before it ended
            reader.join(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return self.output()

    # -- the wire, per face -----------------------------------------------------------

    def _news(self, props: Mapping[str, Any]) -> struct_pb2.Struct:
        return to_struct(props)

    def _olds(self, props: Mapping[str, Any]) -> struct_pb2.Struct:
        return to_struct(props)

    def _plain(self, struct: struct_pb2.Struct, keep_unknowns: bool = False) -> dict[str, Any]:
        return from_struct(struct, keep_unknowns)

    # -- the calls --------------------------------------------------------------------

    def check(
        self, name: str, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        resp = self.stub.Check(
            provider_pb2.CheckRequest(
                urn=self.urn.format(name=name),
                olds=self._news(olds or {}),
                news=self._news(news),
            )
        )
        failures = [(f.property, f.reason) for f in resp.failures]
        return self._plain(resp.inputs, keep_unknowns=True), failures

    def diff(
        self, name: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> provider_pb2.DiffResponse:
        return self.stub.Diff(
            provider_pb2.DiffRequest(
                id=id_, urn=self.urn.format(name=name), olds=self._olds(olds), news=self._news(news)
            )
        )

    def create(
        self, name: str, inputs: Mapping[str, Any], timeout: float | None = None
    ) -> tuple[str, dict[str, Any]]:
        resp = self.stub.Create(
            provider_pb2.CreateRequest(
                urn=self.urn.format(name=name), properties=self._news(inputs)
            ),
            timeout=timeout,
        )
        return resp.id, self._plain(resp.properties)

    def read(
        self, name: str, id_: str, outputs: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        resp = self.stub.Read(
            provider_pb2.ReadRequest(
                id=id_, urn=self.urn.format(name=name), properties=self._olds(outputs)
            )
        )
        return resp.id, self._plain(resp.properties), self._plain(resp.inputs)

    def update(
        self, name: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> dict[str, Any]:
        resp = self.stub.Update(
            provider_pb2.UpdateRequest(
                id=id_, urn=self.urn.format(name=name), olds=self._olds(olds), news=self._news(news)
            )
        )
        return self._plain(resp.properties)

    def delete(self, name: str, id_: str, outputs: Mapping[str, Any]) -> None:
        self.stub.Delete(
            provider_pb2.DeleteRequest(
                id=id_, urn=self.urn.format(name=name), properties=self._olds(outputs)
            )
        )


class ProviderServer(ProviderProcess):
    """The dynamic provider server: the provider pickled into every call's inputs."""

    def __init__(self, provider: ResourceProvider, env: Mapping[str, str] | None = None) -> None:
        self.provider_blob = serialize_provider(provider)
        super().__init__(["-m", "pulumi.dynamic"], env)

    def _news(self, props: Mapping[str, Any]) -> struct_pb2.Struct:
        return to_struct({**props, "__provider": self.provider_blob})

    def configure(self, config: Mapping[str, str]) -> None:
        self.stub.Configure(
            provider_pb2.ConfigureRequest(variables=dict(config), args=to_struct(config))
        )


def grpc_error_text(exc: grpc.RpcError) -> str:
    return str(exc.details()) if hasattr(exc, "details") else str(exc)  # type: ignore[attr-defined]
