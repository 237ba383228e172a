"""examples/ci/preview.yml: a ready GitHub Actions workflow that previews pull requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / "examples" / "ci" / "preview.yml"


def load() -> dict[Any, Any]:
    document = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(document, dict)
    return document


def pulumi_step() -> dict[str, Any]:
    [job] = load()["jobs"].values()
    [step] = [s for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@")]
    assert isinstance(step, dict)
    return step


def test_it_runs_on_pull_requests() -> None:
    document = load()
    triggers = document.get("on", document.get(True))  # YAML 1.1 reads a bare `on:` as true
    assert "pull_request" in triggers


def test_the_pulumi_action_runs_preview_and_comments_on_the_pull_request() -> None:
    settings = pulumi_step()["with"]
    assert settings["command"] == "preview"
    assert settings["comment-on-pr"] is True
    assert settings["github-token"] == "${{ secrets.GITHUB_TOKEN }}"


def test_the_job_may_write_the_pull_request_comment() -> None:
    assert load()["permissions"]["pull-requests"] == "write"


def test_the_job_raises_the_engines_parallel_slots() -> None:
    """A cache holds one of the engine's slots for its whole build; the CLI's default on
    a 2-core runner is 8, so dozens of caches would build in waves (README)."""
    [job] = load()["jobs"].values()
    assert int(job["env"]["PULUMI_PARALLEL"]) >= 50
