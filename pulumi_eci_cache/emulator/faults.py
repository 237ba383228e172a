"""Fault injection for the ECI emulator: throttling, forced errors, lost answers, lag.

Clients must survive what the real service does on a bad day, so tests need to make
it happen on demand: a token-bucket QPS limit answering ``Throttling.User``, a queue of
forced faults for the next N calls of an action (an error answer, or a dropped
connection, either instead of the call or *after* it succeeded so the cache exists
but the caller never hears of it), and eventual consistency (a new cache stays
invisible to DescribeImageCaches for N polls), and ``Chaos``: random faults at given
rates, drawn from a seed per action and call number, so a run that failed is replayed
by its seed. Everything is data so the admin endpoint can set it from JSON; time
comes from the backend's clock.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from .exceptions import Throttling

__all__ = ["FAULT_KINDS", "Chaos", "Faults", "ForcedFault", "TokenBucket"]

# "error": answer with code/http_status; "drop": close the connection unanswered.
FAULT_KINDS = ("error", "drop")


@dataclass
class ForcedFault:
    """The next ``count`` calls of ``action`` ("*" for any) fail this way, once ``skip``
    calls of it have passed (a fault in the middle of a run, not at its start)."""

    action: str = "*"
    kind: str = "error"
    after_success: bool = False
    code: str = "ServiceUnavailable"
    http_status: int = 503
    message: str = "The request has failed due to a temporary failure of the server."
    count: int = 1
    skip: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, not {self.kind!r}")
        if self.count < 1:
            raise ValueError(f"fault count must be positive, not {self.count}")
        if self.skip < 0:
            raise ValueError(f"fault skip must not be negative, not {self.skip}")


@dataclass
class TokenBucket:
    """``qps`` tokens a second, at most ``burst`` saved up; one per call."""

    qps: float
    burst: int
    tokens: float = -1.0
    last: float | None = None

    def take(self, now: float) -> bool:
        if self.last is None:
            self.tokens = float(self.burst)
        else:
            self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.qps)
        self.last = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


MUTATIONS = ("CreateImageCache", "UpdateImageCache", "DeleteImageCache")


@dataclass
class Chaos:
    """Random faults: each call suffers at most one, with these probabilities.

    ``throttle``: ``Throttling.User``; ``server_error``: a 503; ``reset``: the
    connection is dropped before the call is served; ``lost``: a create/update/delete
    is served and then its answer is dropped. The draw for the N-th call of an action
    depends only on (seed, action, N), so the same seed gives the same faults to the
    same sequence of calls.
    """

    seed: int = 0
    throttle: float = 0.0
    server_error: float = 0.0
    reset: float = 0.0
    lost: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)

    def draw(self, action: str) -> ForcedFault | None:
        self.calls[action] += 1
        roll = random.Random(f"{self.seed}/{action}/{self.calls[action]}").random()
        faults: list[tuple[str, float, ForcedFault]] = [
            (
                "throttle",
                self.throttle,
                ForcedFault(
                    code="Throttling.User",
                    http_status=400,
                    message="Request was denied due to user flow control.",
                ),
            ),
            ("server_error", self.server_error, ForcedFault()),
            ("reset", self.reset, ForcedFault(kind="drop")),
        ]
        if action in MUTATIONS:
            faults.append(("lost", self.lost, ForcedFault(kind="drop", after_success=True)))
        for name, rate, fault in faults:
            if roll < rate:
                self.injected[name] += 1
                return fault
            roll -= rate
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "throttle": self.throttle,
            "server_error": self.server_error,
            "reset": self.reset,
            "lost": self.lost,
            "calls": dict(self.calls),
            "injected": dict(self.injected),
        }


@dataclass
class Faults:
    """The fault switches of one backend."""

    forced: list[ForcedFault] = field(default_factory=list)
    bucket: TokenBucket | None = None
    invisible_polls: int = 0
    chaos: Chaos | None = None

    def throttle(self, qps: float, burst: int) -> None:
        """Limit every action together to ``qps`` calls a second with a ``burst``."""
        self.bucket = TokenBucket(qps, burst)

    def force(self, action: str = "*", **fault: Any) -> ForcedFault:
        """Queue a fault for the next ``count`` calls of ``action``."""
        forced = ForcedFault(action=action, **fault)
        self.forced.append(forced)
        return forced

    def check_throttle(self, now: float) -> None:
        if self.bucket is not None and not self.bucket.take(now):
            raise Throttling("Request was denied due to user flow control.")

    def take(self, action: str) -> ForcedFault | None:
        """The fault this call of ``action`` suffers, if any: a queued one (used up), else
        a random one when chaos is on."""
        for forced in self.forced:
            if forced.action in ("*", action):
                if forced.skip > 0:
                    forced.skip -= 1
                    return None
                forced.count -= 1
                if forced.count == 0:
                    self.forced.remove(forced)
                return forced
        return self.chaos.draw(action) if self.chaos is not None else None

    def configure(self, config: dict[str, Any]) -> None:
        """Apply the admin JSON: ``{"throttle": {"qps", "burst"} | null, "force": [{"action",
        "kind", "after_success", "code", "http_status", "message", "count", "skip"}],
        "invisible_polls": N, "chaos": {"seed", "throttle", "server_error", "reset",
        "lost"} | null, "clear": true}``."""
        if config.get("clear"):
            self.clear()
        if "throttle" in config:
            limit = config["throttle"]
            self.bucket = None if limit is None else TokenBucket(limit["qps"], limit["burst"])
        for fault in config.get("force", ()):
            self.force(**fault)
        if "invisible_polls" in config:
            self.invisible_polls = int(config["invisible_polls"])
        if "chaos" in config:
            chaos = config["chaos"]
            self.chaos = None if chaos is None else Chaos(**chaos)

    def clear(self) -> None:
        self.forced.clear()
        self.bucket = None
        self.invisible_polls = 0
        self.chaos = None

    def to_json(self) -> dict[str, Any]:
        return {
            "forced": [asdict(f) for f in self.forced],
            "bucket": None if self.bucket is None else asdict(self.bucket),
            "invisible_polls": self.invisible_polls,
            "chaos": None if self.chaos is None else self.chaos.to_json(),
        }
