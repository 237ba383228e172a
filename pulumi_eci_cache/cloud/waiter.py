"""Waiting for a cache to settle: a polling schedule (pure) and a waiter (botocore-style).

The schedule uses the service's own ``Progress``: from how far a build got in how
long, it predicts the end and polls rarely while the end is far, often when it is
near -- never faster than ``floor``, never slower than ``ceiling``. The waiter's
acceptors are data (status -> success / failure / keep waiting), as in botocore,
and so are the goals beside them (what a look must show to end a wait: a settled
status for Ready, absence for gone), so a source that sees many caches at once (the
shared poller) can wake a waiter on the first round that shows its goal, whatever its
own schedule said. It takes its clock, its sleep and its fetch as arguments, so tests
never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pulumi_eci_cache.errors import (
    BuildFailedError,
    CacheGoneError,
    WaitTimeoutError,
    describe_events,
)

__all__ = [
    "ACCEPTORS",
    "GONE",
    "READY",
    "SETTLED",
    "Goal",
    "PollSchedule",
    "ProgressReporter",
    "Waiter",
    "parse_progress",
]

Outcome = Literal["success", "failure", "retry"]

# What each status means to someone waiting for Ready (every status the API documents).
ACCEPTORS: Mapping[str, Outcome] = {
    "Ready": "success",
    "Failed": "failure",
    "UpdateFailed": "failure",
    "Preparing": "retry",
    "Creating": "retry",
    "Updating": "retry",
}


@dataclass(frozen=True)
class Goal:
    """What ends a wait, as data: the statuses that settle it, and whether absence does.

    A look that shows the goal ends the wait (in success or failure); anything else
    means keep waiting. Absence never settles a wait for Ready: a freshly created
    cache may be invisible for a moment (the waiter's ``missing_grace`` decides).
    """

    name: str  # what the cache should become, for messages: "Ready", "deleted"
    settled_by: frozenset[str]
    absence_settles: bool

    def reached(self, cache: Mapping[str, Any] | None) -> bool:
        """Whether this look at the cache (None: not listed) ends the wait."""
        if cache is None:
            return self.absence_settles
        return str(cache.get("Status", "")) in self.settled_by


# The statuses a build ends in (Ready or a failure): nothing more will happen by itself.
SETTLED = frozenset(status for status, outcome in ACCEPTORS.items() if outcome != "retry")
READY = Goal("Ready", SETTLED, False)
GONE = Goal("deleted", frozenset(), True)


def parse_progress(value: Any) -> float | None:
    """``"45%"`` -> 0.45; anything unreadable -> None."""
    try:
        return max(0.0, min(1.0, float(str(value).strip().rstrip("%")) / 100.0))
    except ValueError:
        return None


@dataclass(frozen=True)
class PollSchedule:
    """How long to wait before the next look at a building cache."""

    floor: float = 2.0
    ceiling: float = 60.0
    first: float = 5.0
    # Poll again once this share of the predicted remaining time has passed.
    share_of_remaining: float = 0.5

    def next_delay(self, elapsed: float, progress: float | None) -> float:
        if progress is None or progress <= 0.0 or elapsed <= 0.0:
            guess = self.first
        elif progress >= 1.0:
            guess = self.floor
        else:
            remaining = elapsed * (1.0 - progress) / progress
            guess = remaining * self.share_of_remaining
        return max(self.floor, min(self.ceiling, guess))


class ProgressReporter:
    """Turns each look at a cache into what its user sees while it builds or updates.

    ``show(label, status, progress)`` whenever the status or the progress changes (the
    status on the resource's row: ``Creating 45%``), and ``tell(label, reasons)`` once
    when the build fails, with the service's reasons. ``label`` names the cache
    (``web (imc-...)``); where the lines go is the caller's choice (engine_log.py).
    """

    def __init__(
        self,
        label: str,
        show: Callable[[str, str, str], None],
        tell: Callable[[str, str], None],
    ) -> None:
        self.label = label
        self._show = show
        self._tell = tell
        self._last: tuple[str, str] | None = None

    def report(self, cache: Mapping[str, Any]) -> None:
        """Take one look at the cache (a Waiter's ``on_poll``)."""
        status = str(cache.get("Status", "?"))
        progress = str(cache.get("Progress") or "")
        if (status, progress) == self._last:
            return
        self._last = (status, progress)
        self._show(self.label, status, progress)
        if ACCEPTORS.get(status) == "failure":
            reasons = describe_events(cache.get("Events") or [])
            self._tell(self.label, f"ended {status}: {reasons}")


@dataclass
class Waiter:
    """Polls ``fetch`` until the cache is Ready (or gone), within ``timeout`` seconds.

    ``missing_grace`` polls that find no cache are forgiven while waiting for Ready:
    a freshly created cache may be invisible to Describe for a moment. ``expect``, when
    given, is told each wait's goal (``Goal.reached``) before the first fetch, so a
    source that sees many caches can end a fetch early on a look that shows it.
    """

    fetch: Callable[[], Mapping[str, Any] | None]
    timeout: float
    schedule: PollSchedule = PollSchedule()
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    on_poll: Callable[[Mapping[str, Any]], None] | None = None
    missing_grace: int = 3
    expect: Callable[[Callable[[Mapping[str, Any] | None], bool]], None] | None = None

    def until_ready(self, cache_id: str) -> Mapping[str, Any]:
        """The cache once Ready; BuildFailedError, CacheGoneError or WaitTimeoutError."""
        start = self._begin(READY)
        misses = 0
        while True:
            cache = self.fetch()
            if cache is None:
                misses += 1
                if misses > self.missing_grace:
                    raise CacheGoneError(
                        f"image cache {cache_id} disappeared while we waited for it to be Ready "
                        "(deleted outside Pulumi, expired or evicted)",
                        cache_id,
                    )
                progress = None
            else:
                if self.on_poll is not None:
                    self.on_poll(cache)
                status = str(cache.get("Status", ""))
                outcome = ACCEPTORS.get(status, "retry")
                if outcome == "success":
                    return cache
                if outcome == "failure":
                    raise BuildFailedError(cache_id, status, cache.get("Events") or [])
                progress = parse_progress(cache.get("Progress"))
            self._pause(start, cache_id, progress, READY)

    def until_gone(self, cache_id: str) -> None:
        """Returns once a look no longer finds the cache; WaitTimeoutError otherwise."""
        start = self._begin(GONE)
        while not GONE.reached(self.fetch()):
            self._pause(start, cache_id, None, GONE)

    def _begin(self, goal: Goal) -> float:
        if self.expect is not None:
            self.expect(goal.reached)
        return self.clock()

    def _pause(self, start: float, cache_id: str, progress: float | None, goal: Goal) -> None:
        elapsed = self.clock() - start
        left = self.timeout - elapsed
        if left <= 0:
            raise WaitTimeoutError(
                f"image cache {cache_id} was not {goal.name} after {self.timeout:.0f}s "
                "(raise the resource's `timeout` input to wait longer)",
                cache_id,
            )
        self.sleep(min(left, self.schedule.next_delay(elapsed, progress)))
