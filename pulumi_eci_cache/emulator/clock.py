"""The emulator's time: the clock type, a clock tests move by hand, the service's format.

Every rule of the emulator that ages something (builds, retention, failed-cache TTLs,
temporary keys, OIDC tokens) reads one injectable clock, so a test on a ``FakeClock``
is deterministic; answers write times as the service does (``iso_time``). Kept apart
from the backends so the IAM and ECI models share it without importing each other.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Clock", "FakeClock", "iso_time"]

Clock = Callable[[], float]


def iso_time(epoch: float) -> str:
    """``2026-11-27T20:45:18Z``: the service's time format."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class FakeClock:
    """A clock tests move by hand: ``clock()`` is now, ``clock.advance(s)`` moves it."""

    def __init__(self, start: float = 1_798_761_600.0) -> None:  # 2027-01-01T00:00:00Z
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
