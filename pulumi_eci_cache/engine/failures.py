"""What both faces answer for a failure: an expected one is one sentence, a bug keeps
its traceback.

Every failure a user can meet (the service's errors, a failed build, a refused role,
invalid inputs or settings, a timeout) is an ``errors.EciCacheError`` whose message is
written for the person reading ``pulumi up``: the thing, the cause, the way out. The
dynamic face (engine/dynamic/server_hooks.py) and the plugin (engine/plugin/servicer.py)
both answer with ``expected_failure_message``; anything else is a bug, and keeps its
traceback so it can be reported.
"""

from __future__ import annotations

from pulumi_eci_cache.errors import EciCacheError

__all__ = ["expected_failure_message"]


def expected_failure_message(exc: BaseException) -> str | None:
    """The message a person should read for an expected failure; None for a bug."""
    if isinstance(exc, EciCacheError):
        return str(exc)
    return None
