"""Values as the engine carries them: unknowns at preview, numbers as doubles, empties.

- ``UNKNOWN``: a value the engine does not know yet (preview); each face maps its
  wire's form of it here, so the rules see one kind of unknown;
- ``as_written``: the engine carries every number as a double, but a person wrote
  ``7``, not ``7.0``: every value shown to a person goes through it;
- ``is_empty``: absent, ``""``, ``[]`` and ``{}`` are all "not set" (the one
  definition the diff, the request and the read-back share);
- ``plain``: dumped model values as JSON-able data (secrets revealed, for the state);
- ``timestamp``: the service's time stamps (``2026-12-04T10:00:00Z``) as epoch seconds.

Pure: no I/O.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

__all__ = [
    "UNKNOWN",
    "as_written",
    "contains_unknown",
    "is_empty",
    "is_unknown",
    "plain",
    "timestamp",
]


class _Unknown:
    """A value the engine does not know yet (preview); each face maps its wire's form here."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def is_unknown(value: object) -> bool:
    """Whether ``value`` is a value the engine does not know yet (at preview)."""
    return value is UNKNOWN


def contains_unknown(value: object) -> bool:
    """Whether ``value`` is unknown or holds an unknown anywhere inside it."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(k) or contains_unknown(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


def is_empty(value: object) -> bool:
    """Not set: absent (None), or an empty string, list, tuple or map."""
    return value is None or (isinstance(value, (str, list, tuple, dict)) and len(value) == 0)


def as_written(value: Any) -> Any:
    """``value`` with whole floats as ints, at any depth: the engine carries every number
    as a double, but a person wrote ``7``, not ``7.0``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: as_written(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_written(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """Dumped pydantic values as plain JSON-able data (secrets revealed for the state)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


# The forms the service writes its UTC time stamps in (some answers leave out seconds).
_STAMPS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ")


def timestamp(stamp: object) -> float | None:
    """Seconds since the epoch of a service time stamp; None when it is empty or not one."""
    for form in _STAMPS:
        try:
            return float(calendar.timegm(time.strptime(str(stamp), form)))
        except ValueError:
            continue
    return None
