"""Both engine faces of ImageCache, driven the way the engine drives them, in one shape.

``DynamicFace`` is the SDK's dynamic provider server (``python -m pulumi.dynamic``, the
provider pickled into every call); ``PluginFace`` is the plugin
(``pulumi-resource-ecicache``, camelCase ``PropertyValue``s). Both take and give plain
values under the model's snake_case names, so one test body runs against either; what
the user reads (messages, property names the engine gets) is in the face's own
spelling (``show``). No substitute for the end-to-end tests under the real CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import grpc
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2
from pydantic.alias_generators import to_camel

from pulumi_eci_cache.engine.plugin.properties import from_wire, to_wire
from pulumi_eci_cache.engine.plugin.provider import CONFIG, STATE
from pulumi_eci_cache.engine.plugin.schema import SECRET_INPUTS
from pulumi_eci_cache.provider import ImageCacheProvider
from pulumi_eci_cache.rules.config import stack_key
from pulumi_eci_cache.rules.identity import IDENTITY_KEY, resource_identity_of_urn
from pulumi_eci_cache.rules.naming import CAMEL, SNAKE, Naming
from pulumi_eci_cache.rules.values import UNKNOWN
from tests.support.provider_server import ProviderProcess, ProviderServer

__all__ = ["FACES", "DynamicFace", "Face", "PluginFace", "init_failure", "start_face"]

FACES = ("dynamic", "plugin")
PLUGIN_URN = "urn:pulumi:test::eci::ecicache:index:ImageCache::{name}"
PROVIDER_URN = "urn:pulumi:test::eci::pulumi:providers:ecicache::shanghai"


def init_failure(error: grpc.RpcError) -> provider_pb2.ErrorResourceInitFailed | None:
    """The "initialization failed" detail of a failed call (a cache kept in the state)."""
    from google.protobuf import any_pb2  # noqa: F401  (the detail is packed in an Any)
    from pulumi.runtime.proto import status_pb2

    for key, value in error.trailing_metadata() or ():  # type: ignore[attr-defined]
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                found = provider_pb2.ErrorResourceInitFailed()
                if detail.Unpack(found):
                    return found
    return None


def _as_engine_sends(value: PropertyValue) -> PropertyValue:
    """An unknown as the engine sends it to a plugin: a Struct has no unknown, so it is
    the unknown sentinel string (at any depth, secret or not)."""
    inner = value.value
    if isinstance(inner, Computed):
        inner = rpc.UNKNOWN
    elif isinstance(inner, Mapping):
        inner = {k: _as_engine_sends(v) for k, v in inner.items()}
    elif isinstance(inner, tuple):
        inner = [_as_engine_sends(v) for v in inner]
    return PropertyValue(inner, value.is_secret, value.dependencies)


def _as_engine_reads(value: Any) -> Any:
    """The unknown sentinel in a plugin's answer as the engine reads it: unknown."""
    if isinstance(value, str) and value == rpc.UNKNOWN:
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: _as_engine_reads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_engine_reads(v) for v in value]
    return value


def _cancel(stub: Any) -> None:
    from google.protobuf import empty_pb2

    stub.Cancel(empty_pb2.Empty())


class DynamicFace(ProviderServer):
    """The dynamic provider server, configured by setting names (snake_case)."""

    kind = "dynamic"
    naming: Naming = SNAKE

    def cancel(self) -> None:
        _cancel(self.stub)

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(ImageCacheProvider(), env)

    def settle(self, settings: Mapping[str, str]) -> None:
        self.configure({stack_key(name): value for name, value in settings.items()})

    def show(self, name: str) -> str:
        return self.naming.show(name)

    def names(self, wire_names: Any) -> list[str]:
        return list(wire_names)

    def resource_identity(self, name: str, inputs: Mapping[str, Any]) -> str:
        """How this face names the resource in its caches' identity tag: the program
        computes it (the ``__identity`` input)."""
        return str(inputs[IDENTITY_KEY])


class PluginFace(ProviderProcess):
    """The plugin process, configured and called as the engine does."""

    kind = "plugin"
    naming: Naming = CAMEL

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(["-m", "pulumi_eci_cache.engine.plugin"], env)

    def show(self, name: str) -> str:
        return self.naming.show(name)

    def cancel(self) -> None:
        _cancel(self.stub)

    def names(self, wire_names: Any) -> list[str]:
        """Property names the engine got, back in the model's spelling."""
        known = {to_camel(n): n for model in STATE for n in model.model_fields}
        return [known.get(n, n) for n in wire_names]

    urn = PLUGIN_URN

    def resource_identity(self, name: str, inputs: Mapping[str, Any]) -> str:
        """How this face names the resource in its caches' identity tag: by its URN."""
        return resource_identity_of_urn(self.urn.format(name=name))

    def _news(self, props: Mapping[str, Any]) -> Any:
        plain = {k: v for k, v in props.items() if not k.startswith("__")}
        wire = to_wire(plain, STATE, SECRET_INPUTS)
        return PropertyValue.marshal_map({k: _as_engine_sends(v) for k, v in wire.items()})

    _olds = _news

    def _plain(self, struct: Any, keep_unknowns: bool = False) -> dict[str, Any]:
        plain: dict[str, Any] = _as_engine_reads(
            from_wire(PropertyValue.unmarshal_map(struct), STATE)
        )
        return plain

    def invoke(self, token: str, args: Mapping[str, Any]) -> tuple[Any, list[str]]:
        """A function's result (camelCase, as the engine gets it) and its failures."""
        resp = self.stub.Invoke(
            provider_pb2.InvokeRequest(
                tok=token, args=PropertyValue.marshal_map(to_wire(dict(args), ()))
            )
        )
        result = from_wire(PropertyValue.unmarshal_map(getattr(resp, "return")), ())
        return result, [f.reason for f in resp.failures]

    def settle(self, settings: Mapping[str, str]) -> None:
        wire = PropertyValue.marshal_map(to_wire(dict(settings), CONFIG))
        self.stub.Configure(
            provider_pb2.ConfigureRequest(
                variables={f"ecicache:{to_camel(k)}": v for k, v in settings.items()},
                args=wire,
                acceptSecrets=True,
            )
        )

    def diff_config(
        self, olds: Mapping[str, str], news: Mapping[str, str]
    ) -> provider_pb2.DiffResponse:
        """The engine's DiffConfig of an explicit provider (settings by snake name)."""
        return self.stub.DiffConfig(
            provider_pb2.DiffRequest(
                urn=PROVIDER_URN,
                id="3f1e0000-0000-4000-8000-000000000000",
                olds=PropertyValue.marshal_map(to_wire(dict(olds), CONFIG)),
                news=PropertyValue.marshal_map(to_wire(dict(news), CONFIG)),
            )
        )


Face = DynamicFace | PluginFace


def start_face(kind: str, env: Mapping[str, str], settings: Mapping[str, str]) -> Face:
    """A provider process of face ``kind``, configured with ``settings`` (snake names)."""
    face: Face = DynamicFace(env) if kind == "dynamic" else PluginFace(env)
    try:
        face.settle(settings)
    except BaseException:
        face.close()  # a process no test holds must not outlive the run
        raise
    return face
