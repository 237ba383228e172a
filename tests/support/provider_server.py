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
    and a gRPC stub to it; ``close()`` (or ``with``) stops it."""

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


class ProviderServer(ProviderProcess):
    """The dynamic provider server, the provider pickled into every call."""

    def __init__(self, provider: ResourceProvider, env: Mapping[str, str] | None = None) -> None:
        self.provider_blob = serialize_provider(provider)
        super().__init__(["-m", "pulumi.dynamic"], env)

    def _with_provider(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {**props, "__provider": self.provider_blob}

    def configure(self, config: Mapping[str, str]) -> None:
        self.stub.Configure(
            provider_pb2.ConfigureRequest(variables=dict(config), args=to_struct(config))
        )

    def check(
        self, name: str, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        resp = self.stub.Check(
            provider_pb2.CheckRequest(
                urn=URN.format(name=name),
                olds=to_struct(self._with_provider(olds or {})),
                news=to_struct(self._with_provider(news)),
            )
        )
        failures = [(f.property, f.reason) for f in resp.failures]
        return from_struct(resp.inputs, keep_unknowns=True), failures

    def diff(
        self, name: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> provider_pb2.DiffResponse:
        return self.stub.Diff(
            provider_pb2.DiffRequest(
                id=id_,
                urn=URN.format(name=name),
                olds=to_struct(olds),
                news=to_struct(self._with_provider(news)),
            )
        )

    def create(
        self, name: str, inputs: Mapping[str, Any], timeout: float | None = None
    ) -> tuple[str, dict[str, Any]]:
        resp = self.stub.Create(
            provider_pb2.CreateRequest(
                urn=URN.format(name=name), properties=to_struct(self._with_provider(inputs))
            ),
            timeout=timeout,
        )
        return resp.id, from_struct(resp.properties)

    def read(
        self, name: str, id_: str, outputs: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        resp = self.stub.Read(
            provider_pb2.ReadRequest(
                id=id_, urn=URN.format(name=name), properties=to_struct(outputs)
            )
        )
        return resp.id, from_struct(resp.properties), from_struct(resp.inputs)

    def update(
        self, name: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> dict[str, Any]:
        resp = self.stub.Update(
            provider_pb2.UpdateRequest(
                id=id_,
                urn=URN.format(name=name),
                olds=to_struct(olds),
                news=to_struct(self._with_provider(news)),
            )
        )
        return from_struct(resp.properties)

    def delete(self, name: str, id_: str, outputs: Mapping[str, Any]) -> None:
        self.stub.Delete(
            provider_pb2.DeleteRequest(
                id=id_, urn=URN.format(name=name), properties=to_struct(outputs)
            )
        )


def grpc_error_text(exc: grpc.RpcError) -> str:
    return str(exc.details()) if hasattr(exc, "details") else str(exc)  # type: ignore[attr-defined]
