"""Twenty caches under random faults, under the real CLI: nothing lost, nothing doubled.

The emulator throttles, answers 5xx, resets connections, loses the answers of calls it
served and hides new caches from a few polls, all at random from a seed. ``pulumi up``
(re-run at most once) must end with exactly the twenty caches, a second ``up`` must
change nothing, and ``destroy`` must leave none. Each seed is a test id; a failure is
replayed with ``ECI_FAULT_SEEDS=<seed> pytest tests/e2e/test_fault_run_e2e.py``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from .conftest import IMAGE_CACHE_TYPE, PulumiCommandError, PulumiStack, ServedEmulator

pytestmark = pytest.mark.e2e

PROGRAM = "tests/e2e/programs/many"
CACHES = 20
SEEDS = [int(s) for s in os.environ.get("ECI_FAULT_SEEDS", "11,23,47").split(",")]
CHAOS = {"throttle": 0.15, "server_error": 0.08, "reset": 0.08, "lost": 0.1}
FAST = {
    "eci-cache:pollFloorSeconds": "0.2",
    "eci-cache:pollFirstSeconds": "0.5",
    "eci-cache:pollCeilingSeconds": "2",
}
MUTATIONS = ("CreateImageCache", "UpdateImageCache", "DeleteImageCache")
FORBIDDEN_ROUND = {
    "action": "DescribeImageCaches",
    "code": "Forbidden.RAM",
    "http_status": 403,
    "message": "refused once",
    "count": 1,
    "skip": 3,  # the crash-recovery lookup's round, then the first waits'
}


def state_matches_service(stack: PulumiStack, emulator: ServedEmulator, seed: int) -> None:
    """Every cache the service holds is in the state, and nothing else is: a failed
    ``up`` loses no cache it made, and a ``destroy`` then leaves none."""
    held = sorted(r["id"] for r in stack.resources(IMAGE_CACHE_TYPE))
    served = sorted(c["ImageCacheId"] for c in emulator.caches())
    assert held == served, f"seed {seed}: state {held} but the service has {served}"


def up_at_most_twice(stack: PulumiStack, emulator: ServedEmulator, seed: int) -> int:
    """``pulumi up``; once more if the first one failed, after checking that the failed
    one kept every cache it made. Returns how many runs it took."""
    try:
        stack.up("--parallel", "32")
        return 1
    except PulumiCommandError as first:
        print(f"seed {seed}: the first up failed, running it again:\n{first.stdout[-2000:]}")
    state_matches_service(stack, emulator, seed)
    stack.up("--parallel", "32")
    return 2


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed-{s}" for s in SEEDS])
def test_twenty_caches_survive_random_faults(
    seed: int, pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    print(f"fault run: seed {seed} (replay: ECI_FAULT_SEEDS={seed})")
    stack: PulumiStack = pulumi_stack(PROGRAM, config={**FAST, "count": str(CACHES)})
    served_emulator.post(
        "faults",
        {
            "invisible_polls": 2,
            "chaos": {"seed": seed, **CHAOS},
            # A permission the service refuses once, in the middle of the waits.
            "force": [FORBIDDEN_ROUND],
        },
    )

    runs = up_at_most_twice(stack, served_emulator, seed)
    assert served_emulator.get("faults")["forced"] == [], f"seed {seed}: the 403 never came"
    names = sorted(c["ImageCacheName"] for c in served_emulator.caches())
    assert names == sorted(f"cache-{i}" for i in range(CACHES)), f"seed {seed}: {names}"
    assert all(c["Status"] == "Ready" for c in served_emulator.caches()), f"seed {seed}"

    before = served_emulator.get("calls")["calls"]
    second = stack.up("--parallel", "32")
    after = served_emulator.get("calls")["calls"]
    assert f"{CACHES + 1} unchanged" in second.stdout, f"seed {seed}: {second.stdout[-2000:]}"
    assert all(after.get(a, 0) == before.get(a, 0) for a in MUTATIONS), f"seed {seed}"

    stack.destroy("--parallel", "32")
    assert served_emulator.caches() == [], f"seed {seed}: destroy left caches behind"
    assert stack.resources(IMAGE_CACHE_TYPE) == [], f"seed {seed}: destroy left state behind"
    injected = served_emulator.get("faults")["chaos"]["injected"]
    print(f"seed {seed}: {runs} up run(s); faults injected: {injected}")
    assert sum(injected.values()) > 0, f"seed {seed}: no fault was injected"
