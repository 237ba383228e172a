"""A dynamic provider whose creates only finish when N of them run at the same time.

Used to prove the provider process really runs more than four calls at once: with
the SDK's four workers the barrier can never fill, and the creates fail.
"""

from __future__ import annotations

import threading
from typing import Any

from pulumi.dynamic import ConfigureRequest, CreateResult, ResourceProvider

from pulumi_eci_cache.engine.dynamic.concurrency import lift_worker_ceiling

PARTIES = 12
_barrier = threading.Barrier(PARTIES, timeout=5)


class BarrierProvider(ResourceProvider):
    lift = True

    def configure(self, req: ConfigureRequest) -> None:
        if self.lift:
            lift_worker_ceiling()

    def create(self, props: dict[str, Any]) -> CreateResult:
        _barrier.wait()
        return CreateResult("ok", {})


class UnliftedBarrierProvider(BarrierProvider):
    lift = False
