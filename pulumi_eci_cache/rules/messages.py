"""A failure in one sentence: the input's path, its value (never a secret), the rule.

Every check failure names the input the way the user's language spells it (with its
index inside a list), shows the offending value as the user wrote it and says what is
allowed, from the declaration. A secret input shows only its public fields (a login's
server and user name); a property nobody declared hides its value when its name is
close to a secret's (rules/secrets.py). Pure: no I/O.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr
from pydantic_core import ErrorDetails

from . import secrets
from .constraints import constraints_of, one_of, rule_words
from .declaration import api_of
from .model import INPUT_FIELDS, NESTED_MODELS, ImageCacheSpec
from .naming import Naming
from .values import as_written, contains_unknown
from .wording import allowed, schema_of

__all__ = [
    "SECRET",
    "failure_reason",
    "unknown_property",
]


SECRET = "<secret>"


def unknown_property(name: str, value: Any, naming: Naming) -> str:
    known = [naming.show(field) for field in INPUT_FIELDS]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    secret = secrets.looks_secret(name)
    shown = "" if contains_unknown(value) else f" = {SECRET if secret else _show(value)}"
    return (
        f'unknown property "{name}"{shown}: ImageCache has no such input{hint} '
        f"(allowed: {', '.join(known)})"
    )


def failure_reason(name: str, error: ErrorDetails, naming: Naming) -> str:
    """One sentence: the input's path, the offending value, what is allowed."""
    loc = error["loc"]
    kind = error["type"]
    if kind in ("missing", "extra_forbidden"):
        parent = naming.path(name, loc[:-1])
        child = naming.show(str(loc[-1]))
        model = NESTED_MODELS.get(name)
        if kind == "missing":
            described = model.model_fields[str(loc[-1])].description if model else None
            rule = f": {described}" if described else ""
            shown = _show(_safe(name, loc[:-1], error["input"]))
            return f'{parent} = {shown}: "{child}" is required{rule}'
        allowed_names = ", ".join(naming.show(f) for f in model.model_fields) if model else ""
        secret = name in secrets.secret_fields(ImageCacheSpec)
        shown = "" if secret else f" = {_show(error['input'])}"
        return (
            f'{parent}: unknown property "{child}"{shown} (allowed: {allowed_names})'
            if allowed_names
            else f'{parent}: unknown property "{child}"{shown}'
        )
    path = naming.path(name, loc)
    shown = _show(_safe(name, loc, error["input"]))
    problem = _problem(name, loc, error)
    if shown.startswith('"') and shown in problem:  # the rule already quotes the value
        return f"{path}: {problem}"
    return f"{path} = {shown}: {problem}"


def _problem(name: str, loc: Sequence[int | str], error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if not loc and kind in _CONSTRAINT_ERRORS:
        # A constraint of the field itself: say the whole rule, from the declaration.
        info = ImageCacheSpec.model_fields[name]
        rule = allowed(name)
        got = error["input"]
        if kind.startswith("string_") and "maxLength" in schema_of(ImageCacheSpec, name):
            head, _, words = rule.partition(": ")
            # The length only when it is what is wrong: "Web" (3) fails on its "W".
            too = kind in ("string_too_short", "string_too_long") and isinstance(got, str)
            length = f" (got {len(got)})" if too else ""
            return f"must be {head}{length}" + (f" of {words}" if words else "")
        return f"must be {rule}{api_of(info).unit}"
    if kind == "literal_error":  # an entry of a list of names
        return one_of(ctx)
    nested = NESTED_MODELS.get(name)
    if loc and nested is not None and str(loc[-1]) in nested.model_fields:
        said = rule_words(kind, constraints_of(nested.model_fields[str(loc[-1])]))
        if said:
            return said
    messages = {
        "string_type": "must be a string",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "list_type": "must be a list",
        "dict_type": "must be a map",
        "model_type": "must be a map (an object with named fields)",
        "model_attributes_type": "must be a map (an object with named fields)",
    }
    return messages.get(kind, str(error["msg"]))


_CONSTRAINT_ERRORS = frozenset(
    {
        "greater_than_equal",
        "less_than_equal",
        "greater_than",
        "less_than",
        "string_too_short",
        "string_too_long",
        "string_pattern_mismatch",
        "literal_error",
        "too_short",
        "too_long",
    }
)


def _public_fields(name: str) -> frozenset[str]:
    """The fields of a secret input's entries that may be shown (a login's server and
    user name): those not declared secret."""
    model = NESTED_MODELS.get(name)
    if model is None:
        return frozenset()
    return frozenset(model.model_fields) - secrets.secret_fields(model)


def _safe(name: str, loc: Sequence[int | str], value: Any) -> Any:
    """``value`` as it may be shown: inside a secret input only its entries' public
    fields are ever shown (a password may sit under a misspelt key, or be given where
    an entry was expected); elsewhere anything under a secret's name is hidden."""
    if name not in secrets.secret_fields(ImageCacheSpec):
        return _redact(value)
    public = _public_fields(name)
    if loc and loc[-1] in public:
        return value
    if len(loc) >= 2:
        return _Secret()
    if len(loc) == 1:
        return _entry(value, public)
    if isinstance(value, (list, tuple)):
        return [_entry(entry, public) for entry in value]
    return _Secret()


def _entry(value: Any, public: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {str(k): v if k in public else _Secret() for k, v in value.items()}
    return _Secret()


class _Secret:
    """Shown as <secret>, without quotes."""


def _show(value: Any, limit: int = 300) -> str:
    text = json.dumps(as_written(value), ensure_ascii=False, default=_json_default)
    text = text.replace(json.dumps(SECRET), SECRET)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_default(value: Any) -> Any:
    if isinstance(value, (_Secret, SecretStr)):
        return SECRET
    return repr(value)


def _redact(value: Any) -> Any:
    if isinstance(value, Mapping):
        hidden = secrets.secret_names()
        return {str(k): _Secret() if k in hidden else _redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    return value
