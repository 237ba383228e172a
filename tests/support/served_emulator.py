"""Helpers for tests that drive a vendor SDK against the served emulator (real sockets).

The served emulator builds on the wall clock, so such tests poll until a cache
settles instead of moving a fake clock; one poller serves every SDK's tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["SETTLED", "one_cache", "wait_until_settled"]

SETTLED = ("Ready", "Failed", "UpdateFailed")


def wait_until_settled(
    read: Callable[[], dict[str, Any]], timeout: float = 5.0
) -> tuple[list[str], dict[str, Any]]:
    """Poll ``read`` (one cache as the API shows it) until its status settles; the
    distinct statuses seen in order, and the settled cache."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cache = read()
        if not seen or seen[-1] != cache["Status"]:
            seen.append(cache["Status"])
        if cache["Status"] in SETTLED:
            return seen, cache
        time.sleep(0.02)
    raise AssertionError(f"the cache did not settle within {timeout} s: {seen}")


def one_cache(client: Any, cache_id: str) -> dict[str, Any] | None:
    """The cache by id through an ``EciClient``, or None (the id is checked: a filter a
    service ignored must not hand back another cache)."""
    found = client.describe_image_caches(ImageCacheId=cache_id)
    matching: list[dict[str, Any]] = [c for c in found if c.get("ImageCacheId") == cache_id]
    return matching[0] if matching else None
