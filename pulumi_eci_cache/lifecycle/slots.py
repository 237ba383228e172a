"""The engine's parallel slots, and the one line that says when our waits fill them.

``pulumi up`` runs at most ``--parallel`` resource operations at once: by default
``PULUMI_PARALLEL``, else 4 x the CPUs the CLI may use (``runtime.GOMAXPROCS``: the
CPU affinity, capped by the cgroup's CPU quota, or ``GOMAXPROCS``). A create that waits
for a build holds a slot for minutes, so fifty caches on two cores build in waves of
eight, and nothing on screen says why. The provider cannot see ``--parallel``, but it
can count its own operations: when as many run as the default allows, for a while, with
more resources checked and waiting to start, all the slots are ours and full. It says
so once per run, with the exact way to raise them. Once more operations run at once
than the default allows, the user has raised the slots and it stays silent. Pure: the
clock and the environment are arguments.

How many more wait is not ours to know: the engine checks a resource only when a slot
can take its step (the step executor's queue is unbuffered), so with every slot full a
provider sees one resource checked and waiting, however many the program declares.
The line says that more wait, not how many, and suggests ``SUGGESTED_PARALLEL`` (what
the README advises for dozens of caches), or twice the slots when that is more.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

__all__ = ["FULL_FOR", "SUGGESTED_PARALLEL", "SlotWatch", "default_parallel", "usable_cpus"]

FULL_FOR = 3.0  # seconds the slots stay full, with work queued, before we say so
SUGGESTED_PARALLEL = 64


def usable_cpus(environ: Mapping[str, str], cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """The CPUs Go's runtime gives the CLI: ``GOMAXPROCS``, else the CPU affinity capped
    by the cgroup v2 CPU quota (what the CLI's automaxprocs and Go 1.25+ both apply)."""
    explicit = environ.get("GOMAXPROCS", "")
    if explicit.isdigit() and int(explicit) > 0:
        return int(explicit)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    try:
        quota, period = (cgroup_root / "cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def default_parallel(environ: Mapping[str, str]) -> tuple[int, bool]:
    """The CLI's default ``--parallel`` and whether ``PULUMI_PARALLEL`` set it."""
    value = environ.get("PULUMI_PARALLEL", "")
    if value.isdigit() and int(value) > 0:
        return int(value), True
    return 4 * usable_cpus(environ), False


class SlotWatch:
    """Counts the resources checked, waiting and running; knows when to say "full"."""

    def __init__(self, slots: int, from_environment: bool, clock: Callable[[], float]) -> None:
        self.slots = slots
        self._from_environment = from_environment
        self._clock = clock
        self._lock = threading.Lock()
        self._waiting: set[str] = set()  # checked, with work to do, not started
        self._running: dict[str, int] = {}
        self._full_since: float | None = None
        self._raised = False
        self._said = False

    @property
    def running(self) -> int:
        return sum(self._running.values())

    def checked(self, urn: str | None) -> None:
        """The engine checked a resource: a create or an update may follow."""
        if urn:
            with self._lock:
                self._waiting.add(urn)

    def settled(self, urn: str | None) -> None:
        """Its diff found nothing to do."""
        if urn:
            with self._lock:
                self._waiting.discard(urn)

    @contextmanager
    def operation(self, urn: str | None) -> Iterator[None]:
        """A create, update or delete holds a slot while it runs."""
        key = urn or ""
        with self._lock:
            self._waiting.discard(key)
            self._running[key] = self._running.get(key, 0) + 1
            if self.running > self.slots:
                self._raised = True
            self._update()
        try:
            yield
        finally:
            with self._lock:
                self._running[key] -= 1
                if not self._running[key]:
                    del self._running[key]
                self._update()

    def _update(self) -> None:
        full = self.running >= self.slots and bool(self._waiting)
        if not full:
            self._full_since = None
        elif self._full_since is None:
            self._full_since = self._clock()

    def line(self) -> str | None:
        """The line to show once, when the slots have been full for a while; else None."""
        with self._lock:
            self._update()
            since = self._full_since
            if self._said or self._raised or since is None:
                return None
            if self._clock() - since < FULL_FOR:
                return None
            self._said = True
            suggest = max(SUGGESTED_PARALLEL, 2 * self.slots)
            where = "PULUMI_PARALLEL" if self._from_environment else "the CLI's default"
        return (
            f"all {self.slots} of the engine's parallel slots ({where}) are held by image "
            "caches waiting for their builds, and more resources wait for a slot; to build "
            f"them at once run `pulumi up --parallel {suggest}` or set "
            f"PULUMI_PARALLEL={suggest} (at least one slot per image cache)"
        )
