"""Gives the engine a per-property diff, which the Python dynamic provider API cannot.

A dynamic provider's ``DiffResult`` carries only "changed or not" and the names that
force a replacement. The engine then renders ``pulumi preview --diff`` by comparing
the old *outputs* with the new inputs, so every computed output (status, events,
snapshot id, ...) shows as deleted, and nothing says which change is in place and
which replaces the cache.

The SDK's provider server calls our ``diff`` in the same thread that answers the
gRPC ``Diff``, so ``diff`` leaves its plan in a thread-local and a Diff middleware
(server_hooks.py) copies it into the response's ``detailedDiff`` (ADD / DELETE /
UPDATE, ``_REPLACE`` where the change replaces the cache, compared on inputs). If the
SDK's server is laid out differently the hooks are not installed and the engine's own
rendering is used, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_eci_cache.engine.dynamic import server_hooks
from pulumi_eci_cache.rules.diff import FIELD_RULES, DiffPlan

__all__ = ["property_diff_kinds", "remember"]

_local = threading.local()


def _absent(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def property_diff_kinds(
    plan: DiffPlan, olds: Mapping[str, Any], news: Mapping[str, Any]
) -> dict[str, str]:
    """``{"images": "UPDATE", "zone_id": "ADD_REPLACE", ...}``: the proto's kind names."""
    kinds = {}
    for change in plan.changes:
        if change.name not in FIELD_RULES:  # an output such as a broken status
            base = "UPDATE"
        elif _absent(olds.get(change.name)):
            base = "ADD"
        elif _absent(news.get(change.name)):
            base = "DELETE"
        else:
            base = "UPDATE"
        kinds[change.name] = base + ("_REPLACE" if change.kind == "replace" else "")
    return kinds


def remember(plan: DiffPlan, olds: Mapping[str, Any], news: Mapping[str, Any]) -> None:
    """Called by ``diff``: the kinds for the wrapper answering this thread's Diff call."""
    _local.kinds = property_diff_kinds(plan, olds, news)


def _fill_detailed_diff(request: Any, proceed: Callable[[], Any]) -> Any:
    """Diff middleware (server_hooks.py): our ``diff`` left its kinds in this thread."""
    from pulumi.runtime.proto import provider_pb2

    _local.kinds = None
    response = proceed()
    kinds: dict[str, str] | None = _local.kinds
    _local.kinds = None
    if kinds is None:  # not our provider's diff
        return response
    response.hasDetailedDiff = True
    for name, kind in sorted(kinds.items()):
        response.diffs.append(name)
        entry = response.detailedDiff[name]
        entry.kind = provider_pb2.PropertyDiff.Kind.Value(kind)
        entry.inputDiff = name in FIELD_RULES
    return response


server_hooks.use("Diff", _fill_detailed_diff)
