"""A call on a thread of its own, as the engine runs calls side by side; a test asks for
its outcome once it has ended (within ``DEADLINE``), and never sleeps to let it begin."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["DEADLINE", "Background"]

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)

DEADLINE = 30.0  # seconds a test waits for what takes milliseconds (a loaded machine)


class Background(Generic[T]):
    """A call running on a thread of its own; its outcome once it has ended."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._work()
        except BaseException as error:  # the outcome the test asks about
            self._error = error

    def _join(self) -> None:
        self._thread.join(DEADLINE)
        assert not self._thread.is_alive(), f"the call did not end within {DEADLINE}s"

    def returned(self) -> T:
        self._join()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]

    def raised(self, kind: type[E]) -> E:
        self._join()
        assert isinstance(self._error, kind), f"expected {kind.__name__}, got {self._error!r}"
        return self._error
