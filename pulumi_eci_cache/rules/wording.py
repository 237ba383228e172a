"""The "Allowed:" sentence of every input, from its declaration.

What a field takes, in words, derived from its native constraints (bounds, lengths,
items, an enum) plus its ``Api.rule``; descriptions in the schema and "is required"
messages end with it, and failures say it. Pure: no I/O.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from .declaration import api_of
from .model import ImageCacheSpec, field_type

__all__ = [
    "allowed",
    "describe",
    "schema_of",
]


@cache
def schema_of(model: type[BaseModel], name: str) -> dict[str, Any]:
    """A field's JSON schema without its null branch (the constraints live there)."""
    schema = TypeAdapter(field_type(model.model_fields[name])).json_schema()
    for branch in schema.get("anyOf", ()):
        if branch.get("type") != "null":
            return dict(branch)
    return dict(schema)


def allowed(name: str, model: type[BaseModel] = ImageCacheSpec) -> str:
    """What a field takes, in words: derived from its constraints, plus its ``rule``."""
    spec, rule = schema_of(model, name), api_of(model.model_fields[name]).rule
    kind = spec.get("type")
    parts: list[str] = []
    if "enum" in spec:
        parts.append("one of " + ", ".join(json.dumps(v) for v in spec["enum"]))
    elif kind == "integer" and ("minimum" in spec or "maximum" in spec):
        span = _range(spec.get("minimum"), spec.get("maximum"), "from ")
        parts.append("a whole number " + (span if span.startswith("from") else f"of {span}"))
    elif kind == "string" and spec.get("minLength") == 1 and "maxLength" not in spec:
        parts.append("not empty")
    elif kind == "string" and ("minLength" in spec or "maxLength" in spec):
        parts.append(_count(spec.get("minLength"), spec.get("maxLength"), "character"))
    elif kind == "array" and ("minItems" in spec or "maxItems" in spec):
        parts.append(_count(spec.get("minItems"), spec.get("maxItems"), "item"))
    elif kind == "object" and "maxProperties" in spec:
        parts.append(f"at most {spec['maxProperties']} entries")
    if rule:
        parts.append(rule)
    return ": ".join(parts)


def _count(low: Any, high: Any, noun: str) -> str:
    """``2 to 128 characters``, ``at most 1 item``: the noun agrees with the last number."""
    last = high if high is not None else low
    return f"{_range(low, high)} {noun}" + ("" if last == 1 else "s")


def _range(low: Any, high: Any, lead: str = "") -> str:
    if low is not None and high is not None:
        return f"{lead}{low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def describe(name: str, model: type[BaseModel] = ImageCacheSpec) -> str:
    """A field's description with what it takes (the schema and "is required" use it)."""
    text = model.model_fields[name].description or ""
    rule = allowed(name, model)
    return f"{text} Allowed: {rule}." if rule else text
