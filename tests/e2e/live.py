"""A ``pulumi`` command running in the background, read line by line as it prints.

Tests of what happens *during* a run (a Ctrl-C, builds a test finishes, a line that
shows up while caches build) need the CLI running while they act: ``LiveRun`` starts
it with ``subprocess.Popen`` in the stack's project dir and environment, and reader
threads keep every line with the moment it arrived.

``interrupt()`` is a terminal's Ctrl-C: SIGINT to the CLI's process group. The CLI
runs in a session of its own here and starts every plugin (language host, providers)
in a process group of its own, so the signal reaches the CLI alone, as it does in a
terminal; the engine then sends Cancel to the providers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from .conftest import PulumiCommandError, PulumiStack

__all__ = ["Line", "LiveRun", "live", "wait_until"]


@dataclass(frozen=True)
class Line:
    """One line of output and when it arrived (``time.monotonic()``)."""

    at: float
    text: str


class LiveRun:
    """``pulumi <args> --non-interactive --color=never`` running in the background."""

    def __init__(self, stack: PulumiStack, *args: str) -> None:
        self.cmd = [str(stack.cli.pulumi), *args, "--non-interactive", "--color=never"]
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            self.cmd,
            cwd=stack.project_dir,
            env=stack.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: list[Line] = []
        self.exited: float | None = None  # when ``wait`` saw the CLI gone
        self.errors: list[Line] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.lines)),
            threading.Thread(target=self._read, args=(self.process.stderr, self.errors)),
        ]
        for reader in self._readers:
            reader.daemon = True
            reader.start()

    @staticmethod
    def _read(stream: IO[str], into: list[Line]) -> None:
        for text in stream:
            into.append(Line(time.monotonic(), text.rstrip("\n")))

    @property
    def stdout(self) -> str:
        return "\n".join(line.text for line in list(self.lines))

    @property
    def stderr(self) -> str:
        return "\n".join(line.text for line in list(self.errors))

    def failure(self, what: str) -> PulumiCommandError:
        """An error carrying everything the CLI printed so far."""
        return PulumiCommandError(
            [*self.cmd, f"({what})"], self.process.poll(), self.stdout, self.stderr
        )

    def wait_for(self, wanted: Callable[[str], bool], timeout: float, what: str) -> Line:
        """The first line (already printed or to come) for which ``wanted`` holds."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            # Read "done" first: once the CLI exited and its output is read, no line
            # can come after this snapshot.
            done = self.process.poll() is not None and not any(r.is_alive() for r in self._readers)
            lines = list(self.lines)
            for line in lines[seen:]:
                if wanted(line.text):
                    return line
            seen = len(lines)
            if done:
                raise self.failure(f"exited before printing {what}")
            if time.monotonic() > deadline:
                raise self.failure(f"no {what} within {timeout:.0f}s")
            time.sleep(0.05)

    def interrupt(self) -> float:
        """A terminal's Ctrl-C; returns when it was sent."""
        os.killpg(self.process.pid, signal.SIGINT)
        return time.monotonic()

    def wait(self, timeout: float) -> int:
        """The exit code, once the CLI has exited and its output is read."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise self.failure(f"still running after {timeout:.0f}s") from None
        if self.exited is None:
            self.exited = time.monotonic()
        for reader in self._readers:
            reader.join(timeout=10)
        return code

    def stop(self) -> None:
        """End a CLI a failed test left running: Ctrl-C (so the engine cancels the
        providers' waits), then SIGTERM, then SIGKILL."""
        for sig, grace in ((signal.SIGINT, 30.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
            if self.process.poll() is not None:
                return
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)


@contextlib.contextmanager
def live(stack: PulumiStack, *args: str) -> Iterator[LiveRun]:
    """A ``LiveRun`` that is stopped if the test leaves it running."""
    run = LiveRun(stack, *args)
    try:
        yield run
    finally:
        run.stop()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` (every 0.1 s) until it holds; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s")
        time.sleep(0.1)
