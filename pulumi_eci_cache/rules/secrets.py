"""What is secret: declared once, on the field, by its type; everything else follows.

A secret input or setting is declared ``SecretStr`` where it is declared (a registry
``password`` in rules/model.py; ``secretKey``, ``securityToken``, ``oidcToken`` in
rules/config.py), and nowhere else. From that one mark:

- ``secret_fields(model)``: the top-level fields stored and sent as secrets as a whole,
  because they are secret or hold one (``imageRegistryCredentials`` holds passwords,
  ``assumeRoleWithOidc`` holds ``oidcToken``). The plugin's schema marks them
  ``secret``, the dynamic resource lists them in ``additional_secret_outputs``, the
  plugin wraps them as secrets on the wire (inputs, outputs, provider config);
- ``secret_names()``: every secret field's name at any depth, so a message about a
  property nobody declared (a misspelt ``pasword``) hides its value when the name is
  close to a secret's;
- ``redact(text, values)``: the values the code holds (a password sent, an STS token)
  scrubbed from the service's words before anything shows them.

Pure: no I/O.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr
from pydantic.alias_generators import to_camel

__all__ = [
    "REDACTED",
    "holds_secret",
    "looks_secret",
    "models_in",
    "redact",
    "secret_fields",
    "secret_names",
]

REDACTED = "<redacted>"
M = TypeVar("M", bound=type[BaseModel])
# The models whose fields are the package's inputs and settings (registered by
# rules/model.py and rules/config.py when they are imported).
_MODELS: list[type[BaseModel]] = []


def holds_secret(annotation: Any) -> bool:
    """Whether a value of this type is, or holds, a ``SecretStr``."""
    if annotation is SecretStr:
        return True
    origin = typing.get_origin(annotation)
    if origin is None:
        return any(
            holds_secret(info.annotation)
            for model in models_in(annotation)
            for info in model.model_fields.values()
        )
    if origin is typing.Annotated:
        return holds_secret(typing.get_args(annotation)[0])
    if origin in (list, tuple, dict, typing.Union, types.UnionType) or str(origin).startswith(
        "collections.abc"
    ):
        return any(holds_secret(arg) for arg in typing.get_args(annotation))
    return False


@cache
def secret_fields(model: type[BaseModel]) -> frozenset[str]:
    """The model's fields (snake_case) that are secret as a whole."""
    return frozenset(
        name for name, info in model.model_fields.items() if holds_secret(info.annotation)
    )


def register(model: M) -> M:
    """Count ``model``'s fields among the package's inputs and settings (a decorator)."""
    _MODELS.append(model)
    secret_names.cache_clear()
    return model


def _is_secret_leaf(annotation: Any) -> bool:
    """A ``SecretStr`` itself (maybe optional or annotated), not a model holding one."""
    if annotation is SecretStr:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_secret_leaf(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_secret_leaf(arg) for arg in typing.get_args(annotation))
    return False


def _leaf_names(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[str]:
    names: set[str] = set()
    if model in seen:
        return names
    seen.add(model)
    for name, info in model.model_fields.items():
        if _is_secret_leaf(info.annotation):
            names.add(name)
        for nested in models_in(info.annotation):
            names |= _leaf_names(nested, seen)
    return names


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models a type holds: itself, or inside Optional, list, Annotated.
    (``list[str]`` is an instance of ``type`` on Python 3.10: the origin is asked first.)"""
    if typing.get_origin(annotation) is None:
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        return [annotation] if is_model else []
    return [found for arg in typing.get_args(annotation) for found in models_in(arg)]


@cache
def secret_names() -> frozenset[str]:
    """Every secret field's name, at any depth, snake_case and camelCase."""
    names: set[str] = set()
    for model in _MODELS:
        names |= _leaf_names(model, set())
    return frozenset(names | {to_camel(name) for name in names})


def looks_secret(name: str) -> bool:
    """Whether an undeclared property's value must be hidden: its name is, contains or
    is close to (a typo of) a secret field's name."""
    lowered = name.lower().replace("_", "")
    for secret in secret_names():
        word = secret.lower().replace("_", "")
        if word in lowered or difflib.SequenceMatcher(None, word, lowered).ratio() >= 0.75:
            return True
    return False


def redact(text: str, values: Iterable[str | None]) -> str:
    """``text`` with every secret value in ``values`` replaced by ``<redacted>`` (values
    shorter than 3 characters are left: they would blank out ordinary words)."""
    for value in sorted((v for v in values if v), key=len, reverse=True):
        if len(value) >= 3:
            text = text.replace(value, REDACTED)
    return text
