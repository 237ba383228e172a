"""The plugin's gRPC answers where the SDK's servicer does not say what we need to.

The SDK's ``ProviderServicer`` (``pulumi.provider.experimental.server``) marshals every
request and response; we keep it for that. What it cannot say:

- **a cache kept when its wait ends early**: a create or update whose wait the engine
  cancelled, or whose ``timeout`` ran out, raises ``errors.ResourceInitError``; the
  answer carries the protocol's ``ErrorResourceInitFailed`` detail (the id, the
  outputs so far, the reason), so the engine records the cache with that reason and
  the next ``pulumi up`` updates it, which waits again;
- **clean failures**: the servicer answers an exception with its message and stack (a
  newer SDK) or lets it escape (the floor, 3.235); an expected failure
  (``errors.EciCacheError``, invalid inputs) is one sentence for a person, so its
  message alone is sent. Anything else is a bug and keeps its traceback;
- **a changed provider setting**: its ``DiffConfig`` hands the provider's ``changes``
  (a bool) to the protocol's enum as a number, so True arrives as ``DIFF_NONE``: the
  engine keeps an explicit provider whose region or endpoint changed as it was, and
  the caches on it never move; and it fails on a per-setting diff (it reads
  ``inputDiff``, the wire's name, not ``input_diff``). We answer DiffConfig the way
  its resource ``Diff`` answers;
- **what the program last gave an input the service never shows**: its ``Diff`` and
  ``Update`` drop the engine's ``old_inputs``; where the state lists inputs an import
  could not see (rules/unseen.py), the old state takes them from there, so a later
  change of one (a new vSwitch) still shows;
- **which provider this is**: it has no ``Handshake``, so the engine never sends the
  provider's URN with ``Configure``, and an explicit provider's settings would be named
  as the stack's (``ecicache:region``). We answer Handshake asking for the URN
  (``configure_with_urn``), and Configure tells the provider its name first.

``serve`` runs it the way the SDK's ``main`` does (port on stdout), with this servicer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
from pulumi.provider.experimental import provider as sdk
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pydantic.alias_generators import to_camel

from pulumi_eci_cache.engine.failures import expected_failure_message
from pulumi_eci_cache.engine.plugin.provider import EciCacheProvider
from pulumi_eci_cache.engine.reaches import pulumi_sdk
from pulumi_eci_cache.engine.status import init_failed_status
from pulumi_eci_cache.errors import ResourceInitError
from pulumi_eci_cache.rules.unseen import UNSEEN_KEY

__all__ = ["Servicer", "serve", "with_applied_inputs"]

Handler = Callable[[Any, Any], Awaitable[Any]]


def _original(exc: BaseException) -> BaseException:
    """The exception the provider raised (a newer SDK re-raises it as a plain Exception
    with the stack in its text, the original as its context)."""
    if expected_failure_message(exc) is None and isinstance(exc.__context__, Exception):
        if expected_failure_message(exc.__context__) is not None:
            return exc.__context__
        if isinstance(exc.__context__, ResourceInitError):
            return exc.__context__
    return exc


class Servicer(ProviderServicer):
    """The SDK's servicer, with our answers for kept caches and expected failures."""

    def __init__(self, provider: EciCacheProvider, engine_address: str, version: str) -> None:
        super().__init__([], version, provider, engine_address=engine_address)
        self._ours = provider

    async def _answer(self, handler: Handler, request: Any, context: Any) -> Any:
        try:
            return await handler(request, context)
        except Exception as exc:
            original = _original(exc)
            if isinstance(original, ResourceInitError):
                await context.abort_with_status(self._init_failed(original, request))
            message = expected_failure_message(original)
            if message is None:
                raise
            await context.abort(grpc.StatusCode.UNKNOWN, message)
            raise  # pragma: no cover - abort raises

    def _init_failed(self, exc: ResourceInitError, request: Any) -> grpc.Status:
        properties = PropertyValue.marshal_map(self._ours.init_failed_properties(exc.outputs))
        return init_failed_status(exc.cache_id or getattr(request, "id", ""), properties, str(exc))

    async def Handshake(self, request: Any, context: Any) -> Any:
        """The engine's first call: we take secrets, and want each provider's URN."""
        return provider_pb2.ProviderHandshakeResponse(
            accept_secrets=True, accept_resources=False, accept_outputs=False
        )

    async def Configure(self, request: Any, context: Any) -> Any:
        if request.urn:
            self._ours.named_by(request.urn)
        return await self._answer(super().Configure, request, context)

    async def CheckConfig(self, request: Any, context: Any) -> Any:
        return await self._answer(super().CheckConfig, request, context)

    async def DiffConfig(self, request: Any, context: Any) -> Any:
        return await self._answer(self._diff_config, request, context)

    async def _diff_config(self, request: Any, context: Any) -> Any:
        resp = await self._ours.diff_config(
            sdk.DiffRequest(
                request.urn,
                request.id,
                PropertyValue.unmarshal_map(request.olds),
                PropertyValue.unmarshal_map(request.news),
                list(request.ignoreChanges),
            )
        )
        return diff_response(resp)

    async def Check(self, request: Any, context: Any) -> Any:
        return await self._answer(super().Check, request, context)

    async def Diff(self, request: Any, context: Any) -> Any:
        return await self._answer(super().Diff, with_applied_inputs(request), context)

    async def Create(self, request: Any, context: Any) -> Any:
        return await self._answer(super().Create, request, context)

    async def Read(self, request: Any, context: Any) -> Any:
        return await self._answer(super().Read, request, context)

    async def Update(self, request: Any, context: Any) -> Any:
        return await self._answer(super().Update, with_applied_inputs(request), context)

    async def Delete(self, request: Any, context: Any) -> Any:
        return await self._answer(super().Delete, request, context)

    async def Invoke(self, request: Any, context: Any) -> Any:
        return await self._answer(super().Invoke, request, context)


def with_applied_inputs(request: Any) -> Any:
    """A Diff or Update request whose old state holds, for each input it lists as unseen
    (``UNSEEN_KEY``), the value the program last gave it (``old_inputs``), if any."""
    listed = request.olds.fields.get(UNSEEN_KEY)
    if listed is None:
        return request
    for entry in listed.list_value.values:
        name = to_camel(entry.string_value)
        if name in request.old_inputs.fields and name not in request.olds.fields:
            request.olds.fields[name].CopyFrom(request.old_inputs.fields[name])
    return request


_KINDS = {kind: getattr(provider_pb2.PropertyDiff, kind.name) for kind in sdk.PropertyDiffKind}


def diff_response(resp: sdk.DiffResponse) -> provider_pb2.DiffResponse:
    """A diff on the wire: ``changes`` as the protocol's enum (None: unknown)."""
    wire = provider_pb2.DiffResponse
    changes = wire.DIFF_UNKNOWN
    if resp.changes is not None:
        changes = wire.DIFF_SOME if resp.changes else wire.DIFF_NONE
    return wire(
        changes=changes,
        replaces=resp.replaces,
        stables=resp.stables,
        deleteBeforeReplace=resp.delete_before_replace,
        diffs=resp.diffs,
        detailedDiff={
            name: provider_pb2.PropertyDiff(kind=_KINDS[diff.kind], inputDiff=diff.input_diff)
            for name, diff in resp.detailed_diff.items()
        },
        hasDetailedDiff=True,
    )


def serve(argv: list[str], version: str) -> None:
    """Serve the provider on a free loopback port; the engine reads the port from stdout."""
    parser = argparse.ArgumentParser(
        prog="pulumi-resource-ecicache",
        description="The ecicache Pulumi provider plugin (the engine starts it).",
    )
    parser.add_argument("engine", help="the Pulumi engine's address")
    parser.add_argument("--logflow", action="store_true", help="ignored")
    parser.add_argument("--logtostderr", action="store_true", help="ignored")
    parser.add_argument("-v", type=int, default=0, help="ignored")
    known, _ = parser.parse_known_args(argv[1:])
    provider = EciCacheProvider(version, argv)

    async def run() -> None:
        server = grpc.aio.server(options=pulumi_sdk.grpc_channel_options())
        servicer = Servicer(provider, known.engine, version)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
