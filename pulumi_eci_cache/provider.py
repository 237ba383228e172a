"""The dynamic face: ``ImageCacheProvider``, the provider behind ``ImageCache`` in Python.

A thin adapter between the SDK's dynamic provider server and the one lifecycle
(lifecycle/lifecycle.py): it turns the dynamic wire (snake_case names, the SDK's
unknowns, ``__`` keys) into plain values and back, and builds each call's ``Call`` (the
URN from the server hooks, the lines, the resource's identity).

Why this class lives here and holds nothing: the SDK pickles the provider into every
resource's state (``__provider``) BY REFERENCE -- this module's path and the class's
name -- so a stack made by any earlier release runs the newly installed code. It must
stay defined in ``pulumi_eci_cache.provider``, with a no-argument constructor and an
empty instance. Everything else -- the settings, the clients, the pollers -- lives in
``_DynamicFace``, once per provider process, built in ``configure()``.

What the SDK's server cannot say is added by engine/dynamic/: the URN of each call, the
per-property diff, clean failures, the engine's Cancel, and a cache kept in the state
when its wait is interrupted (server_hooks.py); and no four-call ceiling
(concurrency.py).
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc

from pulumi_eci_cache.engine import log as engine_log
from pulumi_eci_cache.engine.dynamic import detailed_diff, server_hooks
from pulumi_eci_cache.engine.dynamic.concurrency import SDK_WORKERS, lift_worker_ceiling
from pulumi_eci_cache.engine.failures import expected_failure_message
from pulumi_eci_cache.engine.reaches import pulumi_sdk
from pulumi_eci_cache.errors import ConfigError
from pulumi_eci_cache.lifecycle.lifecycle import Call, ImageCacheLifecycle
from pulumi_eci_cache.lifecycle.preview_summary import PREVIEW_KEY
from pulumi_eci_cache.lifecycle.runtime import Runtime
from pulumi_eci_cache.rules.config import (
    ProviderConfig,
    check_config,
    stack_key,
    unknown_stack_keys,
)
from pulumi_eci_cache.rules.diff import plan_diff, property_diff_kinds
from pulumi_eci_cache.rules.identity import IDENTITY_KEY, IDENTITY_TAG, MARKER_KEY
from pulumi_eci_cache.rules.values import UNKNOWN, is_unknown

__all__ = ["IDENTITY_KEY", "IDENTITY_TAG", "ImageCacheProvider"]


# ---------------------------------------------------------------------------
# The dynamic wire <-> plain values


def _from_wire(value: Any) -> Any:
    """The SDK's unknowns (``Unknown`` instances, the raw sentinel) as ``model.UNKNOWN``."""
    if isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: _from_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_from_wire(v) for v in value]
    return value


def _to_wire(value: Any) -> Any:
    if is_unknown(value):
        return Unknown()  # type: ignore[no-untyped-call]
    if isinstance(value, Mapping):
        return {k: _to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_wire(v) for v in value]
    return value


def _carried(key: str) -> bool:
    """The engine's ``__`` keys and our policy marker: carried on, never an input."""
    return key.startswith("__") or key == MARKER_KEY


def _user(props: Mapping[str, Any]) -> dict[str, Any]:
    """The user's inputs and our outputs, without the carried keys."""
    return {k: _from_wire(v) for k, v in props.items() if not _carried(k)}


def _internal(props: Mapping[str, Any]) -> dict[str, Any]:
    """The keys to carry on (``__identity``, the policy marker; the server adds
    ``__provider``). ``__preview`` is not carried: it tells this process it serves a
    preview (``_DynamicFace.previewing``) and goes no further, into no state or plan."""
    return {k: v for k, v in props.items() if _carried(k) and k not in ("__provider", PREVIEW_KEY)}


class _DynamicFace:
    """The provider process's one runtime and lifecycle (module-level: see the docstring)."""

    def __init__(self, config: ProviderConfig) -> None:
        self.log = engine_log.resource_log(sys.argv)
        self.runtime = Runtime(config, say=self._say)
        self.lifecycle = ImageCacheLifecycle(self.runtime)
        # The program runs as a preview (its caches' checks carry ``__preview``): a
        # provider process serves one operation, so this holds for every later call.
        self.previewing = False

    def _say(self, line: str) -> None:
        """A line about the provider's own work (retries, a silent endpoint): printed
        whole, under the name of the package."""
        self.log.note("pulumi-eci-cache", line, urn=server_hooks.current_urn())

    def call(self, props: Mapping[str, Any] | None = None) -> Call:
        identity = (props or {}).get(IDENTITY_KEY)
        return Call(
            urn=server_hooks.current_urn(),
            log=self.log,
            identity=str(identity) if identity else None,
        )

    def property_kinds(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, str]:
        """The Diff response's per-property kinds (the same pure rules as ``diff``)."""
        olds, news = _user(olds), _user(news)
        runtime = self.runtime
        plan = plan_diff(
            olds, news, region=runtime.default_region, account=runtime.configured_account
        )
        return property_diff_kinds(plan, olds, news)


# The stack config keys of every setting (``alicloud:region``, ``eci-cache:endpoint``).
STACK_KEYS = tuple(stack_key(name) for name in ProviderConfig.model_fields)
_lock = threading.Lock()
_face: _DynamicFace | None = None
# The stack config's problems: every check reports them (so `pulumi preview` shows them
# on each resource, with no API call), and every other call fails with them.
_settings_failures: list[CheckFailure] = []


def _configure(raw: Mapping[str, Any], keys: list[str] | None = None) -> _DynamicFace | None:
    """The face for the stack config ``raw``; ``keys`` are every key of the stack's
    config, whose unknown ones in our namespace are refused (rules/config.py)."""
    global _face
    config, failures = check_config(ProviderConfig.stack_values(raw))
    unknown = unknown_stack_keys(keys or [], _project())
    if unknown:
        config, failures = None, [*failures, *unknown]
    with _lock:
        if _face is not None:
            _face.runtime.close()
        _face = None if config is None else _DynamicFace(config)
        _settings_failures[:] = [CheckFailure(f.property, f.reason) for f in failures]
        return _face


def _project() -> str | None:
    """The program's project (its config shares our namespace when it is ``eci-cache``)."""
    try:
        return pulumi.get_project()
    except Exception:  # no settings in this process: no project to tell
        return None


def _current() -> _DynamicFace:
    """The process's face (configured by the engine first; from the environment in tests
    that call the provider without a Configure); ConfigError when the settings are bad."""
    with _lock:
        face, failures = _face, list(_settings_failures)
    if failures:
        raise ConfigError("; ".join(f.reason for f in failures))
    if face is None:
        face = _configure({})
    if face is None:
        return _current()
    return face


def _property_kinds(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, str]:
    return _current().property_kinds(olds, news)


@functools.cache
def _pickled() -> str:
    """This provider as the SDK pickles it into every call (by reference: always equal)."""
    return pulumi_sdk.serialize_provider(ImageCacheProvider())


_DETAILED_DIFF = detailed_diff.middleware(_property_kinds, _pickled)


def _cancel(request: Any, proceed: Callable[[], Any]) -> Any:
    """The engine's Cancel (a person's Ctrl-C): every wait of this process ends now."""
    _current().runtime.cancel()
    return proceed()


class ImageCacheProvider(ResourceProvider):
    """Stateless by design: see the module docstring."""

    def configure(self, req: ConfigureRequest) -> None:
        # Before anything can fail: this runs inside the process's first call, which
        # the server hooks below are too late to wrap.
        pulumi_sdk.answer_failures_with(expected_failure_message)
        keys = pulumi_sdk.stack_config_keys(req.config)
        face = _configure({key: req.config.get(key) for key in STACK_KEYS}, keys)
        workers = face.runtime.config.max_concurrent_operations if face else SDK_WORKERS
        if workers > SDK_WORKERS:
            lift_worker_ceiling(workers)
        server_hooks.use("Diff", _DETAILED_DIFF)
        server_hooks.use("Cancel", _cancel)
        server_hooks.install()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        with _lock:
            settings_failures = list(_settings_failures)
        if settings_failures:
            return CheckResult(news, settings_failures)
        face = _current()
        outcome = face.lifecycle.check(_user(news), face.call(news))
        face.previewing = face.previewing or bool(news.get(PREVIEW_KEY))
        if face.previewing and outcome.ok and not _user(_olds):  # a new cache
            face.lifecycle.previewed(outcome.inputs, None, face.call(news), hold=False)
        inputs = {**_to_wire(outcome.inputs), **_internal(news)}
        return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in outcome.failures])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        face = _current()
        plan = face.lifecycle.diff(_id, _user(_olds), _user(_news), face.call(_news))
        if face.previewing and plan.has_changes:
            face.lifecycle.previewed(_user(_news), _user(_olds), face.call(_news), hold=False)
        return DiffResult(
            changes=plan.has_changes,
            replaces=list(plan.replaces),
            stables=[],
            delete_before_replace=plan.delete_before_replace,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        face = _current()
        cache_id, outputs = face.lifecycle.create(_user(props), face.call(props))
        return CreateResult(cache_id, {**props, **outputs})

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        face = _current()
        outputs = face.lifecycle.update(_id, _user(_olds), _user(_news), face.call(_news))
        return UpdateResult({**_news, **outputs})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        face = _current()
        found = face.lifecycle.read(id_, _user(props), face.call(props))
        if found is None:
            return ReadResult("", {})
        outputs, inputs = found
        return ReadResult(id_, {**props, **outputs}, {**inputs, **_internal(props)})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        face = _current()
        face.lifecycle.delete(_id, _user(_props), face.call(_props))
