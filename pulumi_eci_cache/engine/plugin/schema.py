"""The plugin's package schema, derived from the models (never a second list of fields).

The schema is what makes the provider usable from every Pulumi language: Pulumi YAML
reads it from the plugin, ``pulumi package gen-sdk`` (and sdkgen/) turns it into
TypeScript, Go, Python and .NET SDKs. Every part comes from a declaration made once:

- the ``ImageCache`` resource: the input model (rules/model.py) -- types, the
  "allowed" sentence of each description from the native constraints, secrets
  (registry passwords), ``willReplaceOnChanges`` from each field's replace rule -- and
  the outputs model (rules/api.py);
- the provider's configuration and inputs: the settings model (rules/config.py);
- the functions ``getImageCaches`` and ``rankImageCaches``: the Python lookups'
  signatures and result dataclasses (lifecycle/lookups.py, rules/matching.py).

Names are the schema's camelCase; nested models become object types.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, SecretStr
from pydantic.alias_generators import to_camel

from pulumi_eci_cache.lifecycle.lookups import (
    GetImageCachesCacheEventResult,
    GetImageCachesCacheResult,
    GetImageCachesResult,
    get_image_caches,
    rank_image_caches,
)
from pulumi_eci_cache.rules.api import CacheEvent, ImageCacheOutputs
from pulumi_eci_cache.rules.config import ProviderConfig
from pulumi_eci_cache.rules.declaration import Doc, api_of
from pulumi_eci_cache.rules.matching import ImageCacheMatch
from pulumi_eci_cache.rules.model import AcrRegistryInfo, ImageCacheSpec, RegistryCredential
from pulumi_eci_cache.rules.roles import AssumeRole, AssumeRoleWithOidc
from pulumi_eci_cache.rules.secrets import secret_fields
from pulumi_eci_cache.rules.wording import describe

__all__ = [
    "FUNCTIONS",
    "PACKAGE",
    "RESOURCE",
    "SECRET_INPUTS",
    "package_schema",
    "schema_json",
    "token",
]

PACKAGE = "ecicache"
MODULE = "index"
RESOURCE = "ImageCache"
FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "getImageCaches": get_image_caches,
    "rankImageCaches": rank_image_caches,
}
# The name each nested model takes in the schema's types.
_TYPE_NAMES: Mapping[type, str] = {
    RegistryCredential: "ImageCacheImageRegistryCredential",
    AcrRegistryInfo: "ImageCacheAcrRegistryInfo",
    CacheEvent: "ImageCacheEvent",
    AssumeRole: "ProviderAssumeRole",
    AssumeRoleWithOidc: "ProviderAssumeRoleWithOidc",
    GetImageCachesResult: "GetImageCachesResult",
    GetImageCachesCacheResult: "GetImageCachesCache",
    GetImageCachesCacheEventResult: "GetImageCachesCacheEvent",
    ImageCacheMatch: "ImageCacheMatch",
}


def token(name: str) -> str:
    """``ecicache:index:<name>``."""
    return f"{PACKAGE}:{MODULE}:{name}"


class _Builder:
    """Collects the object types the properties refer to."""

    def __init__(self) -> None:
        self.types: dict[str, dict[str, Any]] = {}

    def type_of(self, annotation: Any, owner: str) -> dict[str, Any]:
        """The schema type of a Python annotation (models become object types)."""
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin is typing.Annotated:
            return self.type_of(args[0], owner)
        if origin in (typing.Union, types.UnionType):
            present = [a for a in args if a is not type(None)]
            return self.type_of(present[0], owner)
        if origin is Literal or annotation in (str, SecretStr):
            return {"type": "string"}
        if annotation is bool:
            return {"type": "boolean"}
        if annotation is int:
            return {"type": "integer"}
        if annotation is float:
            return {"type": "number"}
        if origin in (list, tuple, Sequence) or annotation in (list, tuple):
            return {"type": "array", "items": self.type_of(args[0] if args else str, owner)}
        if origin in (dict, Mapping):
            return {"type": "object", "additionalProperties": self.type_of(args[1], owner)}
        if (
            origin is None
            and isinstance(annotation, type)
            and (issubclass(annotation, BaseModel) or dataclasses.is_dataclass(annotation))
        ):
            return {"$ref": f"#/types/{token(self.object_type(annotation, owner))}"}
        raise TypeError(f"no schema type for {annotation!r}")

    def object_type(self, model: type, owner: str) -> str:
        name = _TYPE_NAMES.get(model) or f"{owner}{model.__name__}"
        if token(name) not in self.types:
            self.types[token(name)] = {}  # placeholder: a model may refer to itself
            properties, required = self.properties(model, owner)
            spec: dict[str, Any] = {
                "type": "object",
                "description": (inspect.getdoc(model) or "").split("\n\n")[0],
                "properties": properties,
            }
            if required:
                spec["required"] = required
            self.types[token(name)] = spec
        return name

    def properties(self, model: type, owner: str) -> tuple[dict[str, Any], list[str]]:
        """Each field of a pydantic model or dataclass as a schema property."""
        properties: dict[str, Any] = {}
        required: list[str] = []
        for name, annotation, doc, is_required, extra in _fields_of(model):
            spec = {**self.type_of(annotation, owner), "description": doc, **extra}
            properties[to_camel(name)] = spec
            if is_required:
                required.append(to_camel(name))
        return properties, required


# Inputs stored and shown as secrets as a whole (their passwords are inside).
SECRET_INPUTS = secret_fields(ImageCacheSpec)


def _fields_of(model: type) -> list[tuple[str, Any, str, bool, dict[str, Any]]]:
    """(name, annotation, description, required, extra schema keys) of every field."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        fields = []
        for name, info in model.model_fields.items():
            extra: dict[str, Any] = {}
            if name in secret_fields(model):
                extra["secret"] = True
            if api_of(info).replace:
                extra["willReplaceOnChanges"] = True
            doc = describe(name, model)
            fields.append((name, info.annotation, doc, info.is_required(), extra))
        return fields
    hints = typing.get_type_hints(model)
    return [
        (
            f.name,
            hints[f.name],
            str(f.metadata.get("doc", "")),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            {},
        )
        for f in dataclasses.fields(model)  # type: ignore[arg-type]
    ]


def _doc_of(annotation: Any) -> Doc | None:
    """A parameter's ``Doc``. Before Python 3.11, ``get_type_hints`` wraps a parameter
    that defaults to None in ``Optional[...]``, so its ``Annotated`` sits one level down."""
    if typing.get_origin(annotation) is typing.Annotated:
        return next((m for m in typing.get_args(annotation)[1:] if isinstance(m, Doc)), None)
    for arg in typing.get_args(annotation) if typing.get_origin(annotation) is typing.Union else ():
        found = _doc_of(arg)
        if found is not None:
            return found
    return None


def _function(builder: _Builder, name: str, function: Callable[..., Any]) -> dict[str, Any]:
    """A function's inputs from its signature (``Annotated[..., Doc(...)]``), its outputs
    from what it returns (a dataclass, or a list of them under ``items``)."""
    hints = typing.get_type_hints(function, include_extras=True)
    inputs: dict[str, Any] = {}
    required: list[str] = []
    for param in inspect.signature(function).parameters.values():
        if param.name == "client":
            continue  # the provider's own (each face passes its client)
        annotation = hints[param.name]
        doc = _doc_of(annotation)
        inputs[to_camel(param.name)] = {
            **builder.type_of(annotation, ""),
            "description": doc.text if doc else "",
        }
        if param.default is inspect.Parameter.empty:
            required.append(to_camel(param.name))
    returned = hints["return"]
    if typing.get_origin(returned) is list:
        item = builder.type_of(typing.get_args(returned)[0], "")
        outputs: dict[str, Any] = {
            "properties": {"items": {"type": "array", "items": item, "description": "Best first."}},
            "required": ["items"],
        }
    else:
        properties, out_required = builder.properties(returned, "")
        outputs = {"properties": properties, "required": out_required}
    spec: dict[str, Any] = {
        "description": (inspect.getdoc(function) or "").split("\n\n")[0],
        "inputs": {"properties": inputs},
        "outputs": outputs,
    }
    if required:
        spec["inputs"]["required"] = required
    return spec


def package_schema(version: str) -> dict[str, Any]:
    """The whole package schema (a JSON-able dict)."""
    builder = _Builder()
    inputs, required_inputs = builder.properties(ImageCacheSpec, RESOURCE)
    outputs, _ = builder.properties(ImageCacheOutputs, RESOURCE)
    config, _ = builder.properties(ProviderConfig, "Provider")
    resource = {
        "description": "An Alibaba Cloud ECI image cache, built and kept Ready by `pulumi "
        "up`: every CreateImageCache field, validated at preview; changes applied in place "
        "where the API allows; the service's reasons when a build fails.",
        "inputProperties": inputs,
        "requiredInputs": required_inputs,
        "properties": {**inputs, **outputs},
        # Always in the state once the service has the cache (events may be empty).
        "required": [
            "imageCacheName",
            "images",
            "timeout",
            "imageCacheId",
            "status",
            "regionId",
            "events",
        ],
    }
    functions = {token(name): _function(builder, name, fn) for name, fn in FUNCTIONS.items()}
    return {
        "name": PACKAGE,
        "displayName": "Alibaba Cloud ECI image caches",
        "version": version,
        "description": "Alibaba Cloud ECI image caches as declarative infrastructure, with a "
        "local ECI emulator.",
        "keywords": ["pulumi", "alicloud", "eci", "image-cache", "category/cloud"],
        "license": "Apache-2.0",
        "publisher": "pulumi-eci-cache",
        "repository": "https://github.com/pulumi-eci-cache/pulumi-eci-cache",
        # supportPack: the generators write this version into the SDKs (without it the
        # TypeScript SDK's package.json says "${VERSION}", which the Node.js host refuses
        # as a plugin version) and a go.mod into the Go SDK (a program `replace`s it).
        "meta": {"moduleFormat": "(.*)", "supportPack": True},
        "config": {"variables": config},
        "provider": {
            "description": "Where the caches live, who creates them, and how hard the provider "
            "may push (the settings pulumi-alicloud users know, and ours).",
            "inputProperties": config,
            "properties": config,
        },
        "resources": {token(RESOURCE): resource},
        "functions": functions,
        "types": dict(sorted(builder.types.items())),
        "language": {
            "nodejs": {"packageName": "@pulumi-eci-cache/ecicache"},
            "python": {"packageName": "pulumi_ecicache"},
            "go": {
                "importBasePath": "github.com/pulumi-eci-cache/pulumi-eci-cache/sdk/go/ecicache"
            },
            "csharp": {"rootNamespace": "PulumiEciCache"},
        },
    }


def schema_json(version: str) -> str:
    return json.dumps(package_schema(version), indent=2)
