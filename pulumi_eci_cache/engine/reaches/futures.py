"""Reaches into the standard library's ``ThreadPoolExecutor``, checked on Python 3.10-3.13.

Its ceiling (``_max_workers``) is read at every submit, so raising it lets new threads
start on demand; ``_adjust_thread_count`` starts one now for a call already queued
(``_work_queue``). No public way changes a running pool's size.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

__all__ = ["CHECKED", "raise_ceiling"]

CHECKED = "CPython 3.10 to 3.13"


def raise_ceiling(pool: ThreadPoolExecutor, workers: int) -> None:
    """At least ``workers`` threads from now on, and one now for each queued call."""
    pool._max_workers = max(pool._max_workers, workers)
    for _ in range(pool._work_queue.qsize()):
        pool._adjust_thread_count()
