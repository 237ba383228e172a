"""The plugin's wire: Pulumi property values under the schema's camelCase names.

The lifecycle works on plain Python values under the model's snake_case names
(``image_cache_name``) with ``model.UNKNOWN`` for values not known yet; the schema, and
so YAML, TypeScript and Go programs, spell them in camelCase (``imageCacheName``),
and the engine sends ``PropertyValue``s (secrets, unknowns, numbers as floats).
This module turns one into the other, led by the models, so the names of nested
objects (``imageRegistryCredentials[0].userName``) are converted and the keys of maps
the user owns (``tags``, ``annotations``) are not. Secrets are unwrapped on the way
in; on the way out, what the caller names as secret is wrapped again, whatever the
caller's language marked.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Collection, Mapping
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime.rpc import UNKNOWN as UNKNOWN_SENTINEL
from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

from pulumi_eci_cache.rules.values import UNKNOWN, is_unknown

__all__ = ["Fields", "from_wire", "to_wire"]

# The models whose fields make up one kind of object (e.g. an ImageCache's inputs and
# outputs together), first match wins.
Fields = tuple[type[BaseModel], ...]


def _nested(info: FieldInfo) -> type[BaseModel] | None:
    """The model of a field that holds one (or a list of them), else None."""

    def find(annotation: Any) -> type[BaseModel] | None:
        origin = typing.get_origin(annotation)
        if origin is None and isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        if origin in (dict, Mapping):
            return None
        if origin is typing.Annotated:
            return find(typing.get_args(annotation)[0])
        if origin in (list, tuple, typing.Union, types.UnionType):
            for arg in typing.get_args(annotation):
                found = find(arg)
                if found is not None:
                    return found
        return None

    return find(info.annotation)


def _fields(models: Fields) -> dict[str, tuple[str, FieldInfo]]:
    """camelCase and snake_case name -> (snake name, field) of every field."""
    found: dict[str, tuple[str, FieldInfo]] = {}
    for model in models:
        for name, info in model.model_fields.items():
            found.setdefault(name, (name, info))
            found.setdefault(to_camel(name), (name, info))
    return found


def _plain(value: PropertyValue) -> Any:
    # The protocol's unknown is a sentinel string; the SDK's PropertyValue hands it on
    # as it came (it makes no ``Computed`` of it), so both are recognised.
    if isinstance(value.value, Computed) or value.value == UNKNOWN_SENTINEL:
        return UNKNOWN
    if isinstance(value.value, Mapping):
        return {k: _plain(v) for k, v in value.value.items()}
    if isinstance(value.value, tuple):
        return [_plain(v) for v in value.value]
    return value.value


def _snake(value: Any, model: type[BaseModel] | None) -> Any:
    if model is None:
        return value
    if isinstance(value, list):
        return [_snake(item, model) for item in value]
    if isinstance(value, Mapping):
        fields = _fields((model,))
        return {
            fields[k][0] if k in fields else k: _snake(
                v, _nested(fields[k][1]) if k in fields else None
            )
            for k, v in value.items()
        }
    return value


def from_wire(props: Mapping[str, PropertyValue], models: Fields) -> dict[str, Any]:
    """The engine's properties as plain values under the models' names (unknown names are
    kept as the user wrote them, so a check can say so)."""
    fields = _fields(models)
    plain: dict[str, Any] = {}
    for key, value in props.items():
        name, info = fields.get(key, (key, None))
        nested = _nested(info) if info is not None else None
        plain[name] = _snake(_plain(value), nested)
    return plain


def _camel(value: Any, model: type[BaseModel] | None) -> Any:
    if model is None:
        return value
    if isinstance(value, list):
        return [_camel(item, model) for item in value]
    if isinstance(value, Mapping):
        fields = model.model_fields
        return {
            to_camel(k) if k in fields else k: _camel(
                v, _nested(fields[k]) if k in fields else None
            )
            for k, v in value.items()
        }
    return value


def _value(value: Any) -> PropertyValue:
    if is_unknown(value):
        return PropertyValue(UNKNOWN_SENTINEL)  # the SDK cannot marshal a Computed
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return PropertyValue(value)
    if isinstance(value, (int, float)):
        return PropertyValue(float(value))
    if isinstance(value, Mapping):
        return PropertyValue({str(k): _value(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return PropertyValue([_value(v) for v in value])
    return PropertyValue(str(value))


def to_wire(
    values: Mapping[str, Any], models: Fields, secret: Collection[str] = ()
) -> dict[str, PropertyValue]:
    """Plain values as the engine's properties under the schema's names; the names in
    ``secret`` (model names) are wrapped as secrets."""
    fields = _fields(models)
    wire: dict[str, PropertyValue] = {}
    for name, value in values.items():
        if name not in fields:
            wire[name] = _value(value)
            continue
        snake, info = fields[name]
        converted = _value(_camel(value, _nested(info)))
        wire[to_camel(snake)] = converted.with_secret(True) if snake in secret else converted
    return wire
