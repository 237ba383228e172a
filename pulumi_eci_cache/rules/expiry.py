"""When to renew temporary credentials: ahead of their end, never at it (pure).

STS credentials last from 900 s to 12 h (and a test's emulator may make them last
20 s). A provider that waits on a long build, or runs a large fleet, outlives them.
Renewing at the last moment would stall every call behind the STS round trip, and a
token that ends while a request is on its way is refused. So a lease has three
phases, measured on the service's clock (its ``Expiration`` is the service's time):

- fresh: use it;
- renew ahead (the last third of its life, at most 15 minutes): one caller renews in
  the background while everyone else keeps using it, so no wait pauses;
- renew now (the last tenth, at most a minute, or past its end): every caller waits
  for the one renewal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Lease", "Phase"]

Phase = Literal["fresh", "renew-ahead", "renew-now"]

RENEW_AHEAD_SHARE = 1 / 3
RENEW_AHEAD_MAX = 900.0
MARGIN_SHARE = 1 / 10
MARGIN_MAX = 60.0


@dataclass(frozen=True)
class Lease:
    """Credentials obtained at ``issued`` that end at ``expires`` (service time, epoch s)."""

    issued: float
    expires: float

    @property
    def lifetime(self) -> float:
        return max(1.0, self.expires - self.issued)

    @property
    def renew_at(self) -> float:
        return self.expires - min(self.lifetime * RENEW_AHEAD_SHARE, RENEW_AHEAD_MAX)

    @property
    def usable_until(self) -> float:
        return self.expires - min(self.lifetime * MARGIN_SHARE, MARGIN_MAX)

    def phase(self, now: float) -> Phase:
        if now >= self.usable_until:
            return "renew-now"
        if now >= self.renew_at:
            return "renew-ahead"
        return "fresh"
