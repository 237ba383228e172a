"""Drives the SDK's real dynamic provider server (``python -m pulumi.dynamic``) over gRPC.

The same process the Pulumi engine starts, spoken to the way the engine speaks to it,
so lifecycle tests exercise pickling, configure, the thread pool and the wire
(de)serialisation without the Go engine. It replays the engine's calls; it is no
substitute for the end-to-end tests under the real CLI (tests/e2e).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import ResourceProvider, serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

REPO = Path(__file__).resolve().parents[2]
URN = "urn:pulumi:test::eci::pulumi-python:dynamic/eci:ImageCache::{name}"


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    return asyncio.run(rpc.serialize_properties(dict(props), {}))


def from_struct(struct: struct_pb2.Struct, keep_unknowns: bool = False) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct, keep_unknowns))


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
        assert self.process.stdout is not None
        port = int(self.process.stdout.readline().decode().strip())
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def __enter__(self) -> ProviderProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> str:
        """Stop the process; returns what it printed (its stdout and stderr)."""
        self.channel.close()
        self.process.terminate()
        out, err = self.process.communicate(timeout=10)
        return out.decode() + err.decode()

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
