"""One poller per provider process: a single Describe round serves every waiting cache.

Today's providers give each resource its own polling loop, so fifty caches cost
fifty Describe calls per tick and trip the API's throttling. Here every waiter
(create, update, delete of any resource in the process) asks the shared poller for
"the cache as seen by a round that started no earlier than T"; the poller runs one
paged, unfiltered DescribeImageCaches per round for all of them, never more often
than ``min_interval`` apart, and wakes everyone whose time has come. A round serves
everyone it saw: a waiter that says what it waits for (``wake_if``) also wakes on the
first fresh round that shows it, however far off its own time was, so with many
caches a build's end is noticed within one round. The waiters' times still decide
when a round is needed (the soonest wins); waking early never adds a round. A round the
service throttles (or answers with a 5xx) is simply tried again later, for up to
``give_up_after`` seconds: it never fails the creates waiting on it. A round that
gets no answer at all (endpoint down, unknown host, TLS failure) is not throttling:
after ``unreachable_after`` seconds of those, every waiter gets the error, which names
the endpoint and the setting it came from, and the client hears that the endpoint is
down (``on_unreachable``): every other call to it then fails at once, and so does every
later round, until a call gets through. A failure no retry can change (a bad scheme,
TLS with a plain-HTTP server) goes to the waiters at once. ``interrupt`` ends every
wait at once (the engine's Cancel, a person's Ctrl-C): each waiter gets the error it
is given. The poller's clock and its waits are arguments (``clock``, ``wait``), so
tests drive them.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_eci_cache.cloud.client import short_reason
from pulumi_eci_cache.errors import TransportError
from pulumi_eci_cache.rules.retry import is_retryable

__all__ = ["PolledCache", "SharedPoller", "Sighting"]

Snapshot = dict[str, dict[str, Any]]
# Whether a look at one cache (None: the round did not list it) is what its waiter awaits.
WakeIf = Callable[[Mapping[str, Any] | None], bool]
# How the poller waits on its condition: ``wait(condition, timeout or None)``.
Wait = Callable[[threading.Condition, float | None], object]


def _condition_wait(condition: threading.Condition, timeout: float | None) -> object:
    return condition.wait(timeout)


@dataclass(frozen=True)
class Sighting:
    """One cache as one round saw it: the round's number (1, 2, ...) and the cache."""

    round: int
    cache: dict[str, Any] | None


class SharedPoller:
    """Coalesces everyone's polling into rounds of ``describe_all()``."""

    def __init__(
        self,
        describe_all: Callable[[], list[dict[str, Any]]],
        min_interval: float | Callable[[], float] = 2.0,
        clock: Callable[[], float] = time.monotonic,
        idle_exit: float = 30.0,
        give_up_after: float = 300.0,
        unreachable_after: float = 60.0,
        report: Callable[[str], None] | None = None,
        report_every: float = 10.0,
        wait: Wait = _condition_wait,
        on_unreachable: Callable[[TransportError], None] | None = None,
    ) -> None:
        self._describe_all = describe_all
        # A number, or a function of the moment (the provider ties it to the request
        # budget, so polling never starves the creates and updates it serves).
        self._pace = min_interval if callable(min_interval) else (lambda: float(min_interval))
        self._clock = clock
        self._wait = wait
        self._idle_exit = idle_exit
        self._give_up_after = give_up_after
        self._unreachable_after = unreachable_after
        # Told, at most every ``report_every`` s, that rounds get no answer (a wait
        # says what it waits for).
        self._report = report
        self._report_every = report_every
        # Told when rounds found the endpoint silent for the whole patience (the client
        # then fails every other call to it at once, rpc.py).
        self._on_unreachable = on_unreachable
        self._reported_at = float("-inf")
        self._cond = threading.Condition()
        self._wanted: dict[int, float] = {}  # waiter ticket -> earliest round start it accepts
        self._tickets = itertools.count()
        self._snapshot: Snapshot = {}
        self._snapshot_started = float("-inf")  # when the round behind _snapshot started
        self._round_started = float("-inf")
        self._last_attempt = float("-inf")
        self._failing_since: float | None = None
        self._failed_rounds = 0
        self._error: BaseException | None = None
        self._newly_down: TransportError | None = None
        self._interrupted: BaseException | None = None
        self._thread: threading.Thread | None = None
        self.rounds = 0

    def observe(self, cache_id: str, not_before: float) -> dict[str, Any] | None:
        """The cache as seen by the first round that starts at or after ``not_before``
        (``None`` when that round did not list it)."""
        return self.snapshot(not_before).get(cache_id)

    def snapshot(self, not_before: float) -> Snapshot:
        """Every cache (by id) as seen by the first round starting at or after ``not_before``."""
        return self._await(not_before)[1]

    def watch(
        self,
        cache_id: str,
        not_before: float,
        wake_if: WakeIf,
        fresh_from: float,
        newer_than: int = 0,
    ) -> Sighting:
        """The cache as seen by the first round starting at or after ``not_before``, or
        sooner: by any round newer than round ``newer_than`` and started at or after
        ``fresh_from`` whose look at the cache satisfies ``wake_if``."""

        def seen(snapshot: Snapshot) -> bool:
            return wake_if(snapshot.get(cache_id))

        number, snapshot = self._await(not_before, seen, fresh_from, newer_than)
        return Sighting(number, snapshot.get(cache_id))

    def _await(
        self,
        not_before: float,
        wake_if: Callable[[Snapshot], bool] | None = None,
        fresh_from: float = float("inf"),
        newer_than: int = 0,
    ) -> tuple[int, Snapshot]:
        with self._cond:
            if self._interrupted is not None:  # nothing more is answered, even from a round
                raise self._interrupted
            ticket = next(self._tickets)
            self._wanted[ticket] = not_before
            self._ensure_thread()
            self._cond.notify_all()
            try:
                while self._round_started < not_before:
                    if self._interrupted is not None:
                        raise self._interrupted
                    if (
                        wake_if is not None
                        and self.rounds > newer_than
                        and self._snapshot_started >= fresh_from
                        and wake_if(self._snapshot)
                    ):
                        return self.rounds, self._snapshot
                    self._wait(self._cond, None)
                if self._error is not None:
                    raise self._error
                return self.rounds, self._snapshot
            finally:
                del self._wanted[ticket]

    def interrupt(self, error: BaseException) -> None:
        """End every wait, now and later, with ``error`` (the engine cancelled)."""
        with self._cond:
            self._interrupted = error
            self._cond.notify_all()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="eci-poller", daemon=True)
            self._thread.start()

    def _next_round_at(self) -> float | None:
        if not self._wanted:
            return None
        return max(min(self._wanted.values()), self._last_attempt + self._pace())

    def _run(self) -> None:
        idle_since = self._clock()
        while True:
            with self._cond:
                due = self._next_round_at()
                now = self._clock()
                if due is None or self._interrupted is not None:
                    if now - idle_since > self._idle_exit or self._interrupted is not None:
                        self._thread = None
                        return
                    self._wait(self._cond, self._idle_exit)
                    continue
                if due > now:
                    self._wait(self._cond, due - now)
                    continue
            self._round()
            idle_since = self._clock()

    def _round(self) -> None:
        started = self._clock()
        self._last_attempt = started
        try:
            caches = self._describe_all()
        except Exception as exc:
            line = self._failed(exc, started)
            if line is not None and self._report is not None:
                self._report(line)  # outside the lock: it may talk to the engine
            down, self._newly_down = self._newly_down, None
            if down is not None and self._on_unreachable is not None:
                self._on_unreachable(down)  # outside the lock too
            return
        with self._cond:
            self.rounds += 1
            self._error = None
            self._failing_since = None
            self._failed_rounds = 0
            self._snapshot = {str(c.get("ImageCacheId")): c for c in caches}
            self._snapshot_started = self._round_started = started
            self._cond.notify_all()

    def _failed(self, exc: Exception, started: float) -> str | None:
        """Count a failed round, and hand the error to its waiters once patience is out;
        returns a line to report that rounds get no answer, when one is due."""
        with self._cond:
            if self._failing_since is None:
                self._failing_since = started
            self._failed_rounds += 1
            ended = self._clock()
            if isinstance(exc, TransportError) and exc.given_up:
                pass  # another call found the endpoint down: the same sentence, now
            elif isinstance(exc, TransportError) and not exc.permanent:
                # Give up before a round like this one would run past the patience.
                failing = ended - self._failing_since
                if failing + (ended - started) < self._unreachable_after:
                    return self._due_line(exc, ended, self._unreachable_after - failing)
                exc = exc.retried(self._failed_rounds, failing, given_up=exc.unreachable)
                self._newly_down = exc if exc.given_up else None
                # Waiters that come later get the whole patience again.
                self._failing_since, self._failed_rounds = None, 0
            elif is_retryable(exc) and started - self._failing_since < self._give_up_after:
                return None  # a throttled or lost round: waiters keep waiting for the next
            self._error = exc  # handed to every waiter of this round; the poller lives on
            self._round_started = started
            self._cond.notify_all()
            return None

    def _due_line(self, exc: TransportError, now: float, left: float) -> str | None:
        """At most one line every ``report_every`` seconds while rounds get no answer."""
        if now - self._reported_at < self._report_every:
            return None
        self._reported_at = now
        return f"{exc.action}: {short_reason(exc)}; polling again, giving up in {left:.0f}s"


class PolledCache:
    """``fetch``/``sleep``/``expect`` for a Waiter, backed by the shared poller.

    ``sleep(d)`` does not sleep: it moves the time from which the next ``fetch`` wants
    a fresh round; ``fetch`` then blocks until such a round has run, or until an earlier
    round it has not seen yet shows what ``expect`` said the wait is for. Only rounds
    that started after this view was made count: a round already under way when an
    update or a delete was sent may still show the cache as it was.
    """

    def __init__(
        self, poller: SharedPoller, cache_id: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._poller = poller
        self._cache_id = cache_id
        self._clock = clock
        self._fresh_from = self._due = clock()
        self._seen = 0  # the number of the last round a fetch returned
        self._wake_if: WakeIf | None = None

    def expect(self, wake_if: WakeIf) -> None:
        """Say what ends the wait (e.g. ``waiter.READY.reached``): such a round wakes ``fetch``."""
        self._wake_if = wake_if

    def fetch(self) -> Mapping[str, Any] | None:
        if self._wake_if is None:
            return self._poller.observe(self._cache_id, self._due)
        sighting = self._poller.watch(
            self._cache_id, self._due, self._wake_if, self._fresh_from, self._seen
        )
        self._seen = sighting.round
        return sighting.cache

    def sleep(self, seconds: float) -> None:
        self._due = self._clock() + seconds
