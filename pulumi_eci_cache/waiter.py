"""Waiting for a cache to settle: a polling schedule (pure) and a waiter (botocore-style).

The schedule uses the service's own ``Progress``: from how far a build got in how
long, it predicts the end and polls rarely while the end is far, often when it is
near -- never faster than ``floor``, never slower than ``ceiling``. The waiter's
acceptors are data (status -> success / failure / keep waiting), as in botocore,
and it takes its clock, its sleep and its fetch as arguments, so tests never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pulumi_eci_cache.errors import BuildFailedError, CacheGoneError, WaitTimeoutError

__all__ = [
    "ACCEPTORS",
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
    """Prints ``<name> (imc-...): Creating 45%`` lines, a few a minute at most.

    A line is printed at once when the status changes; otherwise at most every
    ``interval`` seconds. ``print(..., flush=True)`` is how a dynamic provider's
    output reaches the ``pulumi up`` terminal (see the facts file).
    """

    def __init__(
        self,
        label: str,
        interval: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
        emit: Callable[[str], None] | None = None,
    ) -> None:
        self.label = label
        self.interval = interval
        self._clock = clock
        self._emit = emit or (lambda line: print(line, flush=True))
        self._last_status: str | None = None
        self._last_at = float("-inf")

    def report(self, cache: Mapping[str, Any]) -> None:
        status = str(cache.get("Status", "?"))
        now = self._clock()
        if status == self._last_status and now - self._last_at < self.interval:
            return
        self._last_status, self._last_at = status, now
        progress = cache.get("Progress")
        suffix = f" {progress}" if progress not in (None, "") else ""
        self._emit(f"{self.label} ({cache.get('ImageCacheId', '?')}): {status}{suffix}")


@dataclass
class Waiter:
    """Polls ``fetch`` until the cache is Ready (or gone), within ``timeout`` seconds.

    ``missing_grace`` polls that find no cache are forgiven while waiting for Ready:
    a freshly created cache may be invisible to Describe for a moment.
    """

    fetch: Callable[[], Mapping[str, Any] | None]
    timeout: float
    schedule: PollSchedule = PollSchedule()
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    on_poll: Callable[[Mapping[str, Any]], None] | None = None
    missing_grace: int = 3

    def until_ready(self, cache_id: str) -> Mapping[str, Any]:
        start = self.clock()
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
            self._pause(start, cache_id, progress, "Ready")

    def until_gone(self, cache_id: str) -> None:
        start = self.clock()
        while self.fetch() is not None:
            self._pause(start, cache_id, None, "deleted")

    def _pause(self, start: float, cache_id: str, progress: float | None, goal: str) -> None:
        elapsed = self.clock() - start
        left = self.timeout - elapsed
        if left <= 0:
            raise WaitTimeoutError(
                f"image cache {cache_id} was not {goal} after {self.timeout:.0f}s "
                "(raise the resource's `timeout` input to wait longer)",
                cache_id,
            )
        self.sleep(min(left, self.schedule.next_delay(elapsed, progress)))
