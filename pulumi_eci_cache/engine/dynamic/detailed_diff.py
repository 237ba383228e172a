"""Gives the engine a per-property diff, which the Python dynamic provider API cannot.

A dynamic provider's ``DiffResult`` carries only "changed or not" and the names that
force a replacement. The engine then renders ``pulumi preview --diff`` by comparing
the old *outputs* with the new inputs, so every computed output (status, events,
snapshot id, ...) shows as deleted, and nothing says which change is in place and
which replaces the cache.

So a Diff middleware (server_hooks.py) answers the engine's question from the same
request with the same pure rules the provider's ``diff`` used (rules/diff.py:
``property_diff_kinds``, given to ``middleware``), and fills the response's
``detailedDiff`` (ADD / DELETE / UPDATE, ``_REPLACE`` where the change replaces the
cache, compared on inputs). Only our resources' diffs are touched: the dynamic
provider process serves every dynamic resource of a program, and a request is ours
when its ``__provider`` is our provider pickled (by reference, so always the same).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_eci_cache.engine.dynamic.server_hooks import Middleware
from pulumi_eci_cache.rules.model import INPUT_FIELDS

__all__ = ["Kinds", "middleware"]

# ``kinds(olds, news) -> {"images": "UPDATE", "zone_id": "ADD_REPLACE", ...}``
Kinds = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, str]]


def middleware(kinds: Kinds, provider: Callable[[], str]) -> Middleware:
    """A Diff middleware that fills ``detailedDiff`` from ``kinds`` for the resources
    whose ``__provider`` is ``provider()`` (our provider, pickled)."""

    def ours(news: Mapping[str, Any]) -> bool:
        return bool(news.get("__provider") == provider())

    def fill_detailed_diff(request: Any, proceed: Callable[[], Any]) -> Any:
        from pulumi.runtime import rpc
        from pulumi.runtime.proto import provider_pb2

        response = proceed()
        news = rpc.deserialize_properties(request.news, True)
        if not ours(news):
            return response
        olds = rpc.deserialize_properties(request.olds, True)
        response.hasDetailedDiff = True
        for name, kind in sorted(kinds(olds, news).items()):
            response.diffs.append(name)
            entry = response.detailedDiff[name]
            entry.kind = provider_pb2.PropertyDiff.Kind.Value(kind)
            entry.inputDiff = name in INPUT_FIELDS
        return response

    return fill_detailed_diff
