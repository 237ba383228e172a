"""Write-only settings an import could not see, taken from the program.

DescribeImageCaches does not return a cache's build settings (security group,
vSwitch, zone, EIP, registries and their logins, flash, copy counts, annotations):
they are write-only. A cache brought in by ``pulumi import`` therefore has none of
them in its state, and the program that declares it as it was made would show each
as a change (``vswitchId + vsw-1``), and a replace for the zone, though nothing about
the cache differs. So an import records which of them it could not see (``UNSEEN_KEY``
in the state), and the diff takes each such setting from the program, with no API
call, until the state holds a value for it: an update writes the program's values
into the state; a refresh takes them from the state's inputs (what the engine
recorded from the program); the plugin fills them from the engine's old inputs
(``DiffRequest.old_inputs``) before each diff, so a later change of one still shows.
What Describe does return (or what follows from it: the retention, rules/api.py
``DERIVED``) is read, never taken on trust. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .api import DERIVED
from .declaration import api_of
from .model import ImageCacheSpec
from .values import is_empty

__all__ = ["UNSEEN_KEY", "WRITE_ONLY", "complete", "unseen", "unseen_of"]

# Where the state lists the inputs an import could not see (snake_case names).
UNSEEN_KEY = "__unseen"

# Inputs Describe never shows: sent on create only (and the provider's own wait).
WRITE_ONLY: tuple[str, ...] = tuple(
    name
    for name, info in ImageCacheSpec.model_fields.items()
    if (api_of(info).name and not api_of(info).read_back and name not in DERIVED)
    or name == "timeout"
)


def unseen(inputs: Mapping[str, Any]) -> list[str]:
    """The write-only inputs ``inputs`` (what a read could see) leaves unset."""
    return [name for name in WRITE_ONLY if is_empty(inputs.get(name))]


def unseen_of(props: Mapping[str, Any]) -> list[str]:
    """The inputs a state still lists as unseen: those it holds no value for yet."""
    listed: Iterable[Any] = props.get(UNSEEN_KEY) or ()
    return [str(name) for name in listed if is_empty(props.get(str(name)))]


def complete(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """The old state with each unseen input taken from the program (``news``): the
    diff then sees no change where the import could not look."""
    filled = dict(olds)
    for name in unseen_of(olds):
        if name in news:
            filled[name] = news[name]
    return filled
