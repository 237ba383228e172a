"""The service's clock: how old a cache is, judged on the service's time, not this machine's.

Adoption ("created within the resource's timeout"), and every other age, compares the
service's ``CreationTime`` with now. A laptop or CI container whose clock is off by
hours would take over a cache the service considers days old, or refuse its own. Every
answer of the service carries an HTTP ``Date`` header; the first one corrects the local
clock once per provider (``observe``), and ``now`` is then the service's time. Before
any answer has come, the local clock is all there is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

__all__ = ["ServiceClock"]


class ServiceClock:
    """Epoch seconds as the service counts them (shared by every client of a provider)."""

    def __init__(self, local: Callable[[], float] = time.time) -> None:
        self._local = local
        self._offset: float | None = None
        self._lock = threading.Lock()

    @property
    def corrected(self) -> bool:
        """Whether an answer of the service has set the clock."""
        return self._offset is not None

    def observe(self, date_header: str | None) -> None:
        """Take the service's time from an answer's ``Date`` header (the first one only)."""
        if self._offset is not None or not date_header:
            return
        try:
            served = parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError):
            return
        with self._lock:
            if self._offset is None:
                self._offset = served - self._local()

    def now(self) -> float:
        """The service's time now (the local clock until an answer has come)."""
        return self._local() + (self._offset or 0.0)
