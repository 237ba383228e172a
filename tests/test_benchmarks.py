"""Smoke test of benchmarks/scale.py with tiny numbers, so the benchmark cannot rot.

No timing is asserted: only that the variants run end to end against the served
emulator, every create succeeds, and the result carries what the table needs; (g)
and (h) need the real CLI (e2e), and (h) also draws its picture (matplotlib, the
``dev`` extra).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

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
def test_variant_g_times_each_create_of_a_pulumi_up_through_both_faces(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = ["--variants", "g", "--cli-caches", "2", "--cli-build-seconds", "2"]
    args += ["--cli-parallel", "4", "--cli-repeats", "1", "--startup-repeats", "1"]
    assert scale.main([*args, "--json", str(out)]) == 0
    [result] = json.loads(out.read_text())["results"]
    assert set(result["runs"]) == {"dynamic", "plugin"}  # the Python and the YAML program
    for face, [run] in result["runs"].items():
        assert run["ok"], (face, run["error"])
        assert run["face"] == face and len(run["creates"]) == 2
        for create in run["creates"]:
            assert create["ready"] is not None and create["returned"] >= create["ready"]
            assert create["rounds_between"] >= 1  # the round that saw it Ready
    assert result["ratio"] > 0
    assert [len(times) for times in result["startup"].values()] == [1, 1]


@pytest.mark.e2e
def test_variant_h_shows_the_waves_of_the_default_slots_and_draws_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GOMAXPROCS=1: the CLI's default is 4 slots (and the provider counts 4), so six
    caches build in two waves by default and in one with --parallel 8."""
    monkeypatch.setenv("GOMAXPROCS", "1")
    out, picture = tmp_path / "results.json", tmp_path / "slots.png"
    args = ["--variants", "h", "--cli-caches", "6", "--cli-build-seconds", "6"]
    args += ["--cli-parallel", "8", "--cli-faces", "dynamic", "--picture", str(picture)]
    assert scale.main([*args, "--json", str(out)]) == 0
    [result] = json.loads(out.read_text())["results"]
    default, raised = result["runs"]
    assert default["ok"] and raised["ok"], (default["error"], raised["error"])
    assert (default["parallel"], default["engine_parallel"], raised["parallel"]) == (None, 4, 8)
    assert (default["most_running"], default["waves"]) == (4, [4, 2])
    assert (raised["most_running"], raised["waves"]) == (6, [6])
    assert "pulumi up --parallel" in default["slot_line"] and not raised["slot_line"]
    assert result["picture"] == str(picture)
    assert picture.read_bytes().startswith(b"\x89PNG")  # produced, by matplotlib


def test_the_yaml_program_writes_out_every_cache_in_the_plugins_spelling() -> None:
    """Pulumi YAML has no loops: (g) and (h) generate the plugin face's program."""
    project = yaml.safe_load(scale.yaml_program("bench", 3))
    assert project["runtime"] == "yaml"
    assert list(project["resources"]) == ["cache-0", "cache-1", "cache-2"]
    cache = project["resources"]["cache-2"]
    assert cache["type"] == "ecicache:ImageCache"
    assert cache["properties"] == {
        "imageCacheName": "cache-2",
        "images": ["nginx:1.25", "redis:7.2"],
        "imageCacheSize": 20,
        "retentionDays": 7,
    }


def test_waves_and_slots_are_read_from_the_event_times() -> None:
    # two waves of two: a gap longer than the threshold starts a wave
    assert scale.waves([31.0, 30.5, 62.0, 61.2], gap=10) == [2, 2]
    assert scale.waves([], gap=10) == []
    # a create that returns frees its slot for one that starts at that instant
    assert scale.most_at_once([(0, 30), (0, 30), (30, 60)]) == 2
    # caches Ready over time: steps at each return, held until `up` exits
    returns = [
        scale.CliCreate("b", "imc-b", 0, 2, 3.0, 1),
        scale.CliCreate("a", "imc-a", 0, 1, 2.0, 1),
    ]
    run = SimpleNamespace(creates=returns, up_seconds=5.0)
    assert scale.ready_curve(run) == ([0.0, 2.0, 3.0, 5.0], [0, 1, 2, 2])  # type: ignore[arg-type]


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
