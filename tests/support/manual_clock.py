"""A clock that moves only when the code under test sleeps: for pure timing rules that
take their clock and their sleep as arguments (rate limits, retries, a preview's hold)."""

from __future__ import annotations


class ManualClock:
    """``clock()`` reads the time; ``clock.sleep(s)`` moves it on by ``s`` at once."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
