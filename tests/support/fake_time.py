"""Fake time for the shared poller: its clock moves only when nothing else can happen.

The poller (cloud/poller.py) takes its clock and its waits as arguments; ``FakeTime``
is both. ``clock()`` reads a number only this class moves, and ``wait(condition,
timeout)`` blocks on the poller's condition as ``Condition.wait`` does, except that a
timeout is not a stretch of real time: the clock jumps to the deadline once nothing
else can happen before it. That is when every thread of the test (the one that made
this object, and those ``start`` runs) is waiting, on the poller or in ``result``,
and every wake-up the poller handed out has been taken. Computing takes no time, so
the times at which rounds start are exact, the same on an idle and a loaded machine.

Why that is sound:

* Only the poller's own thread moves the clock by itself: at the end of its timed
  wait, holding the poller's lock, or in its Describe (``spend``). So it is never
  halfway through a round when the clock jumps. A test moves it with ``advance``,
  which takes the poller's lock too.
* A waiter woken by a round still holds a ticket for the next one until it runs; a
  clock that jumped before then would start that round for nobody. A wait alone
  cannot tell a woken waiter from a sleeping one, so the first ``wait`` wraps the
  ``notify_all`` of the condition it is handed (the poller wakes only with that) to
  mark who was woken.
* A thread of the test that blocks anywhere but here (an Event, a queue) still holds
  the clock: fine while what it waits for needs no time to pass.

Real time bounds only a wait that nothing ends (``stuck_after``): a lost wake-up
fails the test instead of hanging it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["STUCK_AFTER", "FakeTime", "FakeTimeStuck"]

T = TypeVar("T")

STUCK_AFTER = 60.0  # real seconds without a single wake-up: something lost one


class FakeTimeStuck(AssertionError):
    """A wait that nothing woke: the code under test lost a wake-up."""


@dataclass
class _Sleeper:
    deadline: float  # math.inf: until notified
    on_condition: bool  # a wait on the poller's condition (else: ``spend``)
    member: bool  # a thread of the test: it held the clock before it waited
    woken: bool = False  # notified, and the wake-up not yet taken


class FakeTime:
    """A clock and a ``wait`` for ``SharedPoller``; see the module's docstring."""

    def __init__(self, start: float = 0.0, stuck_after: float = STUCK_AFTER) -> None:
        self._now = start
        self._stuck_after = stuck_after
        self._lock = threading.Lock()
        # Wakes result(), settle() and spend() whenever who waits changes.
        self._changed = threading.Condition(self._lock)
        self._members = {threading.get_ident()}  # the threads of the test
        self._running = 1  # how many of them are not waiting
        self._sleepers: dict[int, _Sleeper] = {}  # thread -> its wait
        self._condition: threading.Condition | None = None
        self._wake_all: Callable[[], None] = lambda: None  # the condition's own notify_all

    def clock(self) -> float:
        return self._now

    def wait(self, condition: threading.Condition, timeout: float | None) -> bool:
        """The poller's wait: True once notified, False once the clock reaches the timeout."""
        self._bind(condition)
        sleeper = self._enter(timeout, on_condition=True)
        self._wake_all()  # the others look again: perhaps nothing else can happen now
        try:
            while True:
                with self._lock:
                    outcome = self._outcome(sleeper)
                if outcome is not None:
                    return outcome
                if not condition.wait(self._stuck_after):
                    raise FakeTimeStuck(
                        f"nothing woke a wait in {self._stuck_after:g}s of real time"
                    )
        finally:
            if self._leave(sleeper):
                self._wake_all()  # the last wake-up was taken: a deadline may be next

    def spend(self, seconds: float) -> None:
        """The poller's thread works for ``seconds`` (a slow Describe): the clock gets
        there once everything due sooner has happened, a waiter taking its wake-up too."""
        sleeper = self._enter(seconds, on_condition=False)
        self._nudge()
        try:
            with self._lock:
                while self._outcome(sleeper) is None:
                    if not self._changed.wait(self._stuck_after):
                        raise FakeTimeStuck(f"a spend did not end in {self._stuck_after:g}s")
        finally:
            self._leave(sleeper)
            self._nudge()

    def advance(self, seconds: float) -> None:
        """The test moves the clock on, at once (it holds the poller's lock meanwhile,
        so the poller's thread never sees the jump halfway through a decision)."""
        condition = self._condition
        if condition is None:
            with self._lock:
                self._now += seconds
            return
        with condition:
            with self._lock:
                self._now += seconds
                self._changed.notify_all()
            self._wake_all()

    def start(self, call: Callable[[], T]) -> Future[T]:
        """Runs ``call`` on a new thread of the test: the clock waits for it too."""
        future: Future[T] = Future()
        with self._lock:
            self._running += 1

        def run() -> None:
            me = threading.get_ident()
            with self._lock:
                self._members.add(me)
            try:
                future.set_result(call())
            except BaseException as exc:
                future.set_exception(exc)
            finally:
                with self._lock:
                    self._members.discard(me)
                    self._running -= 1
                    self._changed.notify_all()
                self._nudge()

        threading.Thread(target=run, name="fake-time-test", daemon=True).start()
        return future

    def result(self, future: Future[T]) -> T:
        """The result of a ``start``; the clock moves meanwhile, as the other threads need."""
        member = self._pause()
        try:
            with self._lock:
                while not future.done():
                    if not self._changed.wait(self._stuck_after):
                        raise FakeTimeStuck(f"{future} did not finish in {self._stuck_after:g}s")
        finally:
            with self._lock:
                self._running += member
        return future.result()

    def settle(self) -> None:
        """Returns once every other thread of the test waits and every wake-up was taken.

        The clock stands still meanwhile (the caller still runs): what the test does next
        happens to waits in progress.
        """
        with self._lock:
            mine = int(threading.get_ident() in self._members)
            while self._running > mine or self._pending():
                if not self._changed.wait(self._stuck_after):
                    raise FakeTimeStuck(
                        f"the test's threads did not settle in {self._stuck_after:g}s"
                    )

    def close(self) -> None:
        """The test is over: its thread no longer holds the clock, so the poller idles out."""
        self._pause()
        with self._lock:
            self._members.discard(threading.get_ident())

    def _enter(self, timeout: float | None, on_condition: bool) -> _Sleeper:
        me = threading.get_ident()
        with self._lock:
            deadline = math.inf if timeout is None else self._now + timeout
            sleeper = _Sleeper(deadline, on_condition, member=me in self._members)
            self._sleepers[me] = sleeper
            self._running -= sleeper.member
            self._changed.notify_all()
        return sleeper

    def _outcome(self, sleeper: _Sleeper) -> bool | None:
        """True: woken; False: its deadline came (perhaps now, by moving the clock there);
        None: wait on. The lock is held."""
        if sleeper.woken:
            return True
        if self._now >= sleeper.deadline:
            return False
        if (
            self._running == 0
            and sleeper.deadline < math.inf
            and not self._pending()
            and sleeper.deadline <= min(s.deadline for s in self._sleepers.values())
        ):
            self._now = sleeper.deadline  # nothing else can happen before it
            return False
        return None

    def _leave(self, sleeper: _Sleeper) -> bool:
        """Whether the caller took the last wake-up still pending."""
        with self._lock:
            del self._sleepers[threading.get_ident()]
            self._running += sleeper.member
            self._changed.notify_all()
            return sleeper.woken and not self._pending()

    def _pause(self) -> int:
        """The caller stops holding the clock; 1 if it held it (a thread of the test)."""
        with self._lock:
            member = int(threading.get_ident() in self._members)
            self._running -= member
            self._changed.notify_all()
        self._nudge()
        return member

    def _pending(self) -> bool:
        return any(s.woken for s in self._sleepers.values())

    def _bind(self, condition: threading.Condition) -> None:
        if condition is self._condition:
            return
        if self._condition is not None:
            raise ValueError("one FakeTime drives one poller")
        wake_all = condition.notify_all

        def notify_all() -> None:
            with self._lock:
                for sleeper in self._sleepers.values():
                    sleeper.woken = sleeper.woken or sleeper.on_condition
            wake_all()

        condition.notify_all = notify_all  # type: ignore[method-assign]
        self._condition, self._wake_all = condition, wake_all

    def _nudge(self) -> None:
        """Lets every wait look again (from a thread that holds no lock)."""
        condition = self._condition
        if condition is not None:
            with condition:
                self._wake_all()
