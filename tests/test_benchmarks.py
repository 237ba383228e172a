"""Smoke test of benchmarks/scale.py with tiny numbers, so the benchmark cannot rot.

No timing is asserted: only that variants (a) and (b) run end to end against the
served emulator, every create succeeds, and the result carries what the table needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import scale


def test_variants_a_and_b_run_and_every_create_succeeds(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "results.json"
    # A generous QPS limit: throttling retries would only slow the smoke test down.
    args = ["--caches", "3", "--build-seconds", "1", "--qps", "50", "--burst", "50"]
    assert scale.main([*args, "--variants", "a,b", "--json", str(out)]) == 0

    table = capsys.readouterr().out
    assert "| (a) " in table and "| (b) " in table

    payload = json.loads(out.read_text())
    assert payload["machine"]["nproc"]
    results = {r["key"]: r for r in payload["results"]}
    assert set(results) == {"a", "b"}
    for key, result in results.items():
        assert (result["succeeded"], result["failed"]) == (3, 0), (key, result["errors"])
        assert result["throttling_errors_to_user"] == 0
        assert result["calls"]["CreateImageCache"] >= 3
        assert result["calls"]["DescribeImageCaches"] >= 3
        assert result["polling_rounds"] >= 1
        assert result["describe_per_round"] >= 1
        assert result["lag_median"] is not None and result["lag_worst"] >= result["lag_median"]
        assert result["wall_seconds"] > 0
    # (a) only ever polls through the shared poller: unfiltered rounds, which also
    # answer the crash-recovery lookups (no Describe per create)
    assert results["a"]["describe_kinds"]["round"] >= 1
    assert set(results["a"]["describe_kinds"]) == {"round"}
    # (b) polls every cache by its own id
    assert results["b"]["describe_kinds"]["by-id"] >= 3


def test_variant_f_runs_one_create_then_many_with_the_default_schedule(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = ["--variants", "f", "--schedule-caches", "3", "--schedule-build-seconds", "1"]
    assert scale.main([*args, "--json", str(out)]) == 0
    [result] = json.loads(out.read_text())["results"]
    assert (result["one"]["succeeded"], result["many"]["succeeded"]) == (1, 3)
    assert result["one"]["config"] == {}  # the provider's own schedule, nothing scaled
    for run in (result["one"], result["many"]):
        assert run["polling_rounds"] >= 1 and run["worst_over_build"] is not None


@pytest.mark.e2e
def test_variant_g_times_each_create_of_a_pulumi_up_against_its_ready(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = ["--variants", "g", "--cli-caches", "2", "--cli-build-seconds", "2"]
    assert scale.main([*args, "--cli-parallel", "4", "--json", str(out)]) == 0
    [result] = json.loads(out.read_text())["results"]
    assert result["ok"], result["error"]
    assert len(result["creates"]) == 2
    for create in result["creates"]:
        assert create["ready"] is not None and create["returned"] >= create["ready"]
        assert create["rounds_between"] >= 1  # the round that saw it Ready


def test_the_terraform_schedule_follows_state_change_conf() -> None:
    """10 s delay, refresh at once, then 3 s, 6 s, 10 s, 10 s ... (scale 1, fake clock)."""
    slept: list[float] = []
    now = [0.0]
    statuses = iter(["Preparing", "Creating", "Creating", "Creating", "Creating", "Ready"])

    class FakeClient:
        def create_image_cache(self, spec):  # type: ignore[no-untyped-def]
            return type("Created", (), {"image_cache_id": "imc-1"})()

        def describe_image_caches(self, **filters):  # type: ignore[no-untyped-def]
            return [{"ImageCacheId": "imc-1", "Status": next(statuses, "Ready")}]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    outcome = scale.tf_create(FakeClient(), "web", 1.0, sleep=sleep, clock=lambda: now[0])  # type: ignore[arg-type]
    assert outcome.ok and outcome.polls == 6
    assert slept == [10.0, 0.0, 3.0, 6.0, 10.0, 10.0, 10.0]
