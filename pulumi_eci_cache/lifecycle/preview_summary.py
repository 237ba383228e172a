"""When a preview has seen every cache: the moment to put the change's summary on the
stack's row.

No call of the provider protocol says "the preview is over": the engine's last word to
a provider, the Cancel it sends while closing, comes after the display has finished,
and a line logged then is lost. A preview does ask the provider about each cache that
changes (the plugin: Create or Update with ``preview``; the dynamic face: its Check or
Diff while the program runs as a preview), and the engine cannot finish before they
are answered. So the latest of those answers is held until the provider has heard
nothing new for ``QUIET`` seconds (every Check and Diff counts), at most ``MOST``
seconds, and then puts the summary on the stack's row: the line comes once, after the
caches' rows, and holds every cache. Only the latest answer is held (a later call
frees it), so a preview of more caches than the engine runs at once (``--parallel``)
is never held up by its own holding: one slot waits, the others go on. A later burst
(a cache that waited on another's outputs) adds a second line with the new totals.
``pulumi up``'s own run makes no such call, and shows none. Holding costs a preview
``QUIET`` seconds, once (with ``--parallel 1``, once per cache).

The dynamic face cannot be held: the engine checks (and diffs) resources one after
another, so holding one call would hold every later cache's too. Its summary is said
from a thread once ``QUIET`` passes (``settle_later``), and the Python program, which
the preview cannot end without, waits ``PROGRAM_GRACE`` at its exit for that line
(program/resource.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from pulumi_eci_cache.rules.change_summary import Contribution, summary_line

__all__ = ["MOST", "PREVIEW_KEY", "PROGRAM_GRACE", "QUIET", "PreviewSummary"]

# The dynamic face's carried input that says the program runs as a preview (set by
# program/resource.py; like every ``__`` key, never validated, compared or shown).
PREVIEW_KEY = "__preview"

QUIET = 0.3  # seconds without a new call before the preview has seen every cache
MOST = 3.0  # seconds an answer is held at most, however busy the provider is
STEP = 0.02  # seconds between two looks of a held call (how soon a later one frees it)
# How long a Python program's exit waits in a preview (program/resource.py), for the
# dynamic face's summary: QUIET and the time a busy machine takes to say it.
PROGRAM_GRACE = QUIET + 0.5


class PreviewSummary:
    """The contributions of one provider process's preview, and when to say them."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        quiet: float = QUIET,
        most: float = MOST,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._quiet = quiet
        self._most = most
        self._lock = threading.Lock()
        self._parts: dict[str, Contribution] = {}
        self._last_heard = clock()
        self._said: str | None = None
        self._waiter: threading.Thread | None = None
        self._holder = 0  # which call holds (the latest)

    def heard(self) -> None:
        """A call of the engine arrived (a Check, a Diff): more may follow."""
        with self._lock:
            self._last_heard = self._clock()

    def record(self, urn: str, part: Contribution, *, replace: bool = True) -> None:
        """A cache's part of the change; a later record for the same cache replaces it,
        unless ``replace`` is False (a replacement's create after its diff)."""
        with self._lock:
            if replace or urn not in self._parts:
                self._parts[urn] = part
            self._last_heard = self._clock()

    def settle(self, say: Callable[[str], None]) -> None:
        """Hold this call until the preview has gone quiet, then ``say`` the summary if
        it changed since it was last said. Only the latest call holds: one that arrives
        later releases this one at once (it holds, and says, in its place), so holding
        takes one of the engine's slots, never all of them."""
        with self._lock:
            self._holder += 1
            me = self._holder
        started = self._clock()
        while True:
            with self._lock:
                if self._holder != me:
                    return
                now = self._clock()
                if now - self._last_heard >= self._quiet or now - started >= self._most:
                    line = summary_line(self._parts.values())
                    if line is None or line == self._said:
                        return
                    self._said = line
                    break
                wait = min(self._quiet - (now - self._last_heard), self._most - (now - started))
            self._sleep(max(0.005, min(wait, STEP)))
        say(line)

    def settle_later(self, say: Callable[[str], None]) -> None:
        """``settle`` on a thread of its own, for calls the engine makes one after
        another (the dynamic face's Check and Diff: holding one would hold the next
        cache's, and so every cache's, by ``QUIET``)."""
        with self._lock:
            if self._waiter is not None:
                return  # the waiting thread sees this call's part too
            self._waiter = threading.Thread(
                target=self._wait_and_say, args=(say,), name="preview-summary", daemon=True
            )
            self._waiter.start()

    def _wait_and_say(self, say: Callable[[str], None]) -> None:
        while True:
            self.settle(say)
            with self._lock:
                line = summary_line(self._parts.values())
                if line is None or line == self._said:  # nothing new arrived meanwhile
                    self._waiter = None
                    return
