"""How a declared rule is said to a person: the words for a pattern, the bounds of a number.

A pattern is for the machine; a message says ``Rule``'s words instead ("a RAM role's
ARN, ..."). ``constraints_of`` finds a field's bounds and words wherever its annotation
declares them (inside ``Optional``, ``Annotated``, a ``Field``). Pure: no I/O.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic.fields import FieldInfo

__all__ = ["Rule", "constraints_of", "rule_words"]


@dataclass(frozen=True)
class Rule:
    """What a pattern allows, in words (a failure says this, not the regular expression)."""

    text: str


def constraints_of(info: FieldInfo) -> dict[str, Any]:
    """The bounds and rule words declared on a field, wherever in its annotation."""
    found: dict[str, Any] = {}

    def collect(items: Sequence[Any]) -> None:
        for item in items:
            for name in ("ge", "gt", "le", "lt"):
                if getattr(item, name, None) is not None:
                    found[name] = getattr(item, name)
            if isinstance(item, Rule):
                found["rule"] = item.text
            if isinstance(item, FieldInfo):
                collect(item.metadata)

    def walk(annotation: Any) -> None:
        if typing.get_origin(annotation) is Annotated:
            collect(typing.get_args(annotation)[1:])
        for arg in typing.get_args(annotation):
            walk(arg)

    collect(info.metadata)
    walk(info.annotation)
    return found


def rule_words(kind: str, said: dict[str, Any]) -> str:
    """ "must be ..." for a constraint a value broke (pydantic's error ``kind``), from what
    the field declares (``constraints_of``); "" when the declaration says nothing."""
    if "rule" in said and kind in ("string_pattern_mismatch", "string_too_short"):
        return f"must be {said['rule']}"
    low = said.get("ge", said.get("gt"))
    high = said.get("le", said.get("lt"))
    if kind not in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return ""
    if low is not None and high is not None:
        return f"must be from {low} to {high}"
    if "gt" in said:
        return f"must be more than {said['gt']}"
    if low is not None:
        return f"must be at least {low}"
    return f"must be at most {high}" if high is not None else ""


def one_of(ctx: dict[str, Any]) -> str:
    """ "must be one of "a", "b"" for a literal a value is not (pydantic's ``expected``
    context says ``'a' or 'b'``)."""
    expected = str(ctx.get("expected", ""))
    names = [part.strip().strip("'") for part in expected.replace(" or ", ", ").split(",")]
    return "must be one of " + ", ".join(f'"{name}"' for name in names if name)
