"""The plugin face: the ``ecicache`` provider, for YAML, TypeScript, Go and every language.

A thin adapter between the SDK's provider interface (``pulumi.provider.experimental``:
async methods over ``PropertyValue`` maps) and the one lifecycle
(lifecycle/lifecycle.py). Each instance is one provider of a program -- the default
``ecicache`` provider (stack config ``ecicache:region``, ...) or an explicit
``pulumi:providers:ecicache`` with its own region and account -- and has its own
runtime: its clients, pollers and rate limiters per region, its cancel switch.

A provider that answers the engine's Handshake is asked to Create and Update at
preview too (with ``preview`` set): it answers what the operation would give, with
the outputs not known yet, and makes no API call (``lifecycle.planned``).

The lifecycle blocks while it waits, so every call runs on this provider's own thread
pool (``maxConcurrentOperations`` wide: asyncio's default pool would build six caches
at a time on two cores), never on the event loop. Resources are named by their URN
(a URN carries project, stack, parent types and name); the engine's ``customTimeouts``
reach a plugin, so they win over the ``timeout`` input.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pulumi.provider.experimental import provider as sdk
from pulumi.provider.experimental.property_value import PropertyValue
from pydantic.alias_generators import to_camel, to_snake

from pulumi_eci_cache.engine import log as engine_log
from pulumi_eci_cache.engine.plugin.properties import from_wire, to_wire
from pulumi_eci_cache.engine.plugin.schema import (
    FUNCTIONS,
    PACKAGE,
    SECRET_INPUTS,
    schema_json,
    token,
)
from pulumi_eci_cache.errors import ConfigError, EciCacheError
from pulumi_eci_cache.lifecycle.lifecycle import Call, ImageCacheLifecycle, planned
from pulumi_eci_cache.lifecycle.runtime import Runtime
from pulumi_eci_cache.rules.api import ImageCacheOutputs
from pulumi_eci_cache.rules.config import ProviderConfig, check_config
from pulumi_eci_cache.rules.diff import property_diff_kinds
from pulumi_eci_cache.rules.identity import resource_identity_of_urn
from pulumi_eci_cache.rules.model import INPUT_FIELDS, ImageCacheSpec
from pulumi_eci_cache.rules.naming import CAMEL
from pulumi_eci_cache.rules.secrets import secret_fields

__all__ = ["EciCacheProvider", "config_key", "setting_names"]

T = TypeVar("T")
STATE = (ImageCacheSpec, ImageCacheOutputs)  # an ImageCache's properties: inputs and outputs
CONFIG = (ProviderConfig,)
CONFIG_SECRETS = secret_fields(ProviderConfig)
_KINDS = {kind.name: kind for kind in sdk.PropertyDiffKind}


def config_key(name: str) -> str:
    """How the plugin names a setting of its default provider: ``ecicache:accessKey``
    (the stack config key)."""
    return f"{PACKAGE}:{to_camel(name)}"


def setting_names(provider_urn: str) -> tuple[Callable[[str], str], str]:
    """How messages name a setting of the provider ``provider_urn``, and where settings
    come from: the default provider's are stack config keys (``ecicache:region``), an
    explicit provider's are its own properties (``region (provider shanghai)``)."""
    name = provider_urn.rsplit("::", 1)[-1]
    if not provider_urn or name.startswith("default"):
        return config_key, "stack config"
    return (lambda setting: f"{to_camel(setting)} (provider {name})"), "the property"


def _camel_keys(value: Any) -> Any:
    """A lookup's result (dataclasses) as the schema spells it."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return {to_camel(str(k)): _camel_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_camel_keys(v) for v in value]
    return value


class EciCacheProvider(sdk.Provider):
    """One ``ecicache`` provider instance (its settings come with ``configure``)."""

    def __init__(self, version: str, argv: list[str] | None = None) -> None:
        self.version = version
        self.log = engine_log.resource_log(argv if argv is not None else sys.argv)
        self.runtime: Runtime | None = None
        self.keys, self.origin = setting_names("")
        self.lifecycle: ImageCacheLifecycle | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._refused: ConfigError | None = None  # the settings Configure refused

    # -- plumbing -----------------------------------------------------------------------

    def _ready(self) -> ImageCacheLifecycle:
        if self._refused is not None:  # never go on with settings other than the user's
            raise self._refused.again()
        if self.lifecycle is None:  # the engine always configures first; tests may not
            self._configure(ProviderConfig())
        assert self.lifecycle is not None
        return self.lifecycle

    def _configure(self, config: ProviderConfig) -> None:
        if self.runtime is not None:
            self.runtime.close()
        self.runtime = Runtime(config, keys=self.keys, origin=self.origin, say=self._say)
        self.lifecycle = ImageCacheLifecycle(self.runtime)
        self._pool = ThreadPoolExecutor(
            max_workers=config.max_concurrent_operations, thread_name_prefix="ecicache"
        )

    def _say(self, line: str) -> None:
        self.log.note(PACKAGE, line)

    async def _run(self, work: Callable[[], T]) -> T:
        """Blocking lifecycle work, off the event loop, on this provider's own pool."""
        self._ready()
        return await asyncio.get_running_loop().run_in_executor(self._pool, work)

    def _call(self, urn: str, timeout: float = 0.0) -> Call:
        return Call(
            urn=urn,
            log=self.log,
            naming=CAMEL,
            identity=resource_identity_of_urn(urn),
            timeout=timeout or None,
        )

    @staticmethod
    def _state(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
        return from_wire(props, STATE)

    @staticmethod
    def _wire(values: Mapping[str, Any]) -> dict[str, PropertyValue]:
        return to_wire(values, STATE, SECRET_INPUTS)

    def named_by(self, provider_urn: str) -> None:
        """Which provider this is (the engine's Configure says), for messages."""
        self.keys, self.origin = setting_names(provider_urn)

    def init_failed_properties(self, outputs: Mapping[str, Any]) -> dict[str, PropertyValue]:
        """The outputs of a cache kept in the state (servicer.py sends them)."""
        return self._wire(outputs)

    # -- the provider and its settings ----------------------------------------------

    async def get_schema(self, request: sdk.GetSchemaRequest) -> sdk.GetSchemaResponse:
        return sdk.GetSchemaResponse(schema=schema_json(self.version))

    async def check_config(self, request: sdk.CheckRequest) -> sdk.CheckResponse:
        values = {k: v for k, v in from_wire(request.new_inputs, CONFIG).items() if k != "version"}
        _, failures = check_config(values, key=setting_names(request.urn)[0])
        return sdk.CheckResponse(
            inputs=to_wire(values, CONFIG, CONFIG_SECRETS) | _version(request.new_inputs),
            failures=[sdk.CheckFailure(f.property, f.reason) for f in failures],
        )

    async def diff_config(self, request: sdk.DiffRequest) -> sdk.DiffResponse:
        """Settings change in place: a cache moves only when its own region changes,
        which its diff sees (the new provider's region against the cache's)."""
        olds, news = from_wire(request.old_state, CONFIG), from_wire(request.new_inputs, CONFIG)
        changed = sorted(k for k in olds.keys() | news.keys() if olds.get(k) != news.get(k))
        names = [to_camel(k) for k in changed if k != "version"]
        update = sdk.PropertyDiff(sdk.PropertyDiffKind.UPDATE, input_diff=True)
        return sdk.DiffResponse(
            changes=bool(names), diffs=names, detailed_diff=dict.fromkeys(names, update)
        )

    async def configure(self, request: sdk.ConfigureRequest) -> sdk.ConfigureResponse:
        """The provider's settings (servicer.py has told ``named_by`` which provider)."""
        values = {k: v for k, v in from_wire(request.args, CONFIG).items() if k != "version"}
        config, failures = check_config(values, key=self.keys)
        if config is None:
            self._refused = ConfigError("; ".join(f.reason for f in failures))
            raise self._refused.again()
        self._refused = None
        self._configure(config)
        return sdk.ConfigureResponse(accept_secrets=True, supports_preview=False)

    async def cancel(self) -> None:
        """The engine's Cancel (a person's Ctrl-C): every wait ends now."""
        if self.runtime is not None:
            self.runtime.cancel()

    # -- ImageCache -------------------------------------------------------------------

    async def check(self, request: sdk.CheckRequest) -> sdk.CheckResponse:
        lifecycle = self._ready()
        outcome = lifecycle.check(self._state(request.new_inputs), self._call(request.urn))
        return sdk.CheckResponse(
            inputs=self._wire(outcome.inputs),
            failures=[sdk.CheckFailure(f.property, f.reason) for f in outcome.failures],
        )

    async def diff(self, request: sdk.DiffRequest) -> sdk.DiffResponse:
        lifecycle = self._ready()
        olds, news = self._state(request.old_state), self._state(request.new_inputs)
        plan = lifecycle.diff(request.resource_id, olds, news, self._call(request.urn))
        kinds = property_diff_kinds(plan, olds, news)
        detailed = {
            to_camel(name): sdk.PropertyDiff(_KINDS[kind], input_diff=name in INPUT_FIELDS)
            for name, kind in kinds.items()
        }
        return sdk.DiffResponse(
            changes=plan.has_changes,
            replaces=[to_camel(name) for name in plan.replaces],
            delete_before_replace=plan.delete_before_replace,
            diffs=list(detailed),
            detailed_diff=detailed,
        )

    async def create(self, request: sdk.CreateRequest) -> sdk.CreateResponse:
        lifecycle, call = self._ready(), self._call(request.urn, request.timeout)
        inputs = self._state(request.properties)
        if request.preview:  # the engine asks what a create would give: nothing is made
            await self._run(lambda: lifecycle.previewed(inputs, None, call))
            return sdk.CreateResponse(resource_id="", properties=self._wire(planned(inputs)))
        cache_id, outputs = await self._run(lambda: lifecycle.create(inputs, call))
        return sdk.CreateResponse(resource_id=cache_id, properties=self._wire(outputs))

    async def read(self, request: sdk.ReadRequest) -> sdk.ReadResponse:
        lifecycle, call = self._ready(), self._call(request.urn)
        props = {**self._state(request.inputs), **self._state(request.properties)}
        found = await self._run(lambda: lifecycle.read(request.resource_id, props, call))
        if found is None:
            return sdk.ReadResponse(resource_id="", properties={}, inputs={})
        outputs, inputs = found
        return sdk.ReadResponse(
            resource_id=request.resource_id,
            properties=self._wire(outputs),
            inputs=self._wire(inputs),
        )

    async def update(self, request: sdk.UpdateRequest) -> sdk.UpdateResponse:
        lifecycle, call = self._ready(), self._call(request.urn, request.timeout)
        olds, news = self._state(request.olds), self._state(request.news)
        if request.preview:  # the engine asks what an update would give: nothing changes
            await self._run(lambda: lifecycle.previewed(news, olds, call))
            return sdk.UpdateResponse(properties=self._wire(planned(news, olds)))
        outputs = await self._run(lambda: lifecycle.update(request.resource_id, olds, news, call))
        return sdk.UpdateResponse(properties=self._wire(outputs))

    async def delete(self, request: sdk.DeleteRequest) -> None:
        lifecycle, call = self._ready(), self._call(request.urn, request.timeout)
        props = self._state(request.properties)
        await self._run(lambda: lifecycle.delete(request.resource_id, props, call))

    # -- functions ----------------------------------------------------------------------

    async def invoke(self, request: sdk.InvokeRequest) -> sdk.InvokeResponse:
        name = request.tok.removeprefix(f"{PACKAGE}:index:")
        function = FUNCTIONS.get(name) if request.tok == token(name) else None
        if function is None:
            raise EciCacheError(
                f"{request.tok}: no such function; {PACKAGE} has {', '.join(map(token, FUNCTIONS))}"
            )
        args = {to_snake(k): v for k, v in from_wire(request.args, ()).items()}
        lifecycle = self._ready()

        def call() -> Any:
            client = lifecycle.runtime.region().client
            return function(client, **args)

        try:
            result = await self._run(call)
        except (TypeError, ValueError) as exc:  # an argument the function refuses
            return sdk.InvokeResponse(failures=[sdk.CheckFailure("", f"{request.tok}: {exc}")])
        value = _camel_keys(result)
        ret = value if isinstance(value, dict) else {"items": value}
        return sdk.InvokeResponse(return_value=to_wire(ret, ()))


def _version(inputs: Mapping[str, PropertyValue]) -> dict[str, PropertyValue]:
    """The engine's own ``version`` input of a provider, kept as it came."""
    return {"version": inputs["version"]} if "version" in inputs else {}
