"""How each face spells names: snake_case in Python, camelCase in the schema.

The Python face keeps the model's names (``image_cache_size``); the plugin's schema,
and so YAML, TypeScript and Go, spells them in camelCase (``imageCacheSize``). Every
message names an input the way the user's language spells it. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic.alias_generators import to_camel

__all__ = [
    "CAMEL",
    "SNAKE",
    "Naming",
]


@dataclass(frozen=True)
class Naming:
    """How the user's language spells input names: the Python face keeps the model's
    snake_case, the plugin's schema (YAML, TypeScript, Go) uses camelCase."""

    show: Callable[[str], str]

    def path(self, name: str, loc: Sequence[int | str] = ()) -> str:
        text = self.show(name)
        for part in loc:
            text += f"[{part}]" if isinstance(part, int) else f".{self.show(str(part))}"
        return text


SNAKE = Naming(lambda name: name)
CAMEL = Naming(to_camel)
