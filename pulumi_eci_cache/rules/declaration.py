"""How an input is declared for the ECI API, once, beside its type (``Api``).

Each field of the input model carries one ``Api`` annotation: its API parameter and
wire form, why a change replaces the cache (when UpdateImageCache cannot change it),
the API's own default, whether DescribeImageCaches reads it back, and in words the
part of its rule that the constraints cannot say. Validation, the diff, the request,
the read-back and the schema all follow from it. ``Doc`` describes a function
parameter for the schema. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic.fields import FieldInfo

__all__ = [
    "Api",
    "Doc",
    "Wire",
    "api_of",
]


Wire = Literal["as_is", "comma", "tags", "json"]


@dataclass(frozen=True)
class Api:
    """Where an input goes in the ECI API and how a change to it is applied.

    ``name`` is the API parameter (Contract 1 key), None for inputs that only steer the
    provider; ``wire`` how the value is written there (``comma``: a list joined with
    commas; ``tags``: a map as ``[{"Key", "Value"}]``; ``json``: a map as JSON text);
    ``replace`` says, when UpdateImageCache cannot change it, why a change replaces the
    cache; ``default`` is the API's own value when the input is not set (an unset
    input is sent as it on update, and equals it in a diff); ``read_back`` means
    DescribeImageCaches shows it under ``name``, so refresh sees drift; ``rule`` says
    in words what the constraints cannot (a pattern's meaning); ``unit`` follows
    numbers in messages.
    """

    name: str | None = None
    wire: Wire = "as_is"
    replace: str = ""
    default: Any = None
    read_back: bool = False
    rule: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Doc:
    """What a function parameter is, for the schema (``Annotated[str | None, Doc(...)]``)."""

    text: str


def api_of(info: FieldInfo) -> Api:
    """The ``Api`` annotation of a model field (every field has one)."""
    for item in info.metadata:
        if isinstance(item, Api):
            return item
    return Api()
