"""What a user sees while caches build, read from ``pulumi up --json`` under the real CLI.

Status lines belong on the ImageCache's own row (ephemeral diagnostics carrying its
URN), lasting lines (its id, the preview's reasons) under the resource, never as loose
lines of the stack, and lines of caches built at once never run together.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .conftest import IMAGE_CACHE_TYPE, PulumiStack

pytestmark = pytest.mark.e2e

TYPE = IMAGE_CACHE_TYPE
FAST = {
    "eci-cache:pollFloorSeconds": "0.5",
    "eci-cache:pollFirstSeconds": "0.5",
    "eci-cache:pollCeilingSeconds": "1",
}
STATUS = re.compile(r"(Preparing|Creating|Updating|Ready)( \d{1,3}%)?\n")
CREATED = re.compile(r"creating (imc-[a-z0-9]+)\n")


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"build_seconds": 3}


def diagnostics(stdout: str) -> list[dict[str, Any]]:
    """The non-debug diagnostic events of a ``--json`` event stream."""
    events = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    found = [e["diagnosticEvent"] for e in events if "diagnosticEvent" in e]
    return [d for d in found if d.get("severity") != "debug"]


def cache_stack(pulumi_stack: Any, **fields: Any) -> PulumiStack:
    spec = {"image_cache_name": "e2e", "images": ["nginx:1.25"], **fields}
    stack: PulumiStack = pulumi_stack(
        "tests/e2e/programs/configurable", config={**FAST, "spec": json.dumps(spec)}
    )
    return stack


def urn_of(stack: PulumiStack, name: str) -> str:
    [urn] = [r["urn"] for r in stack.resources(TYPE) if r["urn"].endswith(f"::{name}")]
    return str(urn)


def test_build_progress_shows_on_the_caches_own_row_as_ephemeral_status(
    pulumi_stack: Any,
) -> None:
    stack = cache_stack(pulumi_stack)
    up = stack.up("--json")
    urn = urn_of(stack, "cache")
    statuses = [d["message"] for d in diagnostics(up.stdout) if d.get("ephemeral")]
    assert any(message.startswith("Creating") for message in statuses), statuses
    assert statuses[-1] == "Ready 100%\n"
    assert all(d.get("urn") == urn for d in diagnostics(up.stdout) if d.get("ephemeral"))


def test_the_cache_id_is_a_lasting_line_under_the_cache(pulumi_stack: Any) -> None:
    stack = cache_stack(pulumi_stack)
    up = stack.up("--json")
    lasting = [d for d in diagnostics(up.stdout) if not d.get("ephemeral")]
    cache_id = stack.outputs()["image_cache_id"]
    assert {"urn": urn_of(stack, "cache"), "message": f"creating {cache_id}\n"} in [
        {"urn": d.get("urn"), "message": d["message"]} for d in lasting
    ]


def test_the_previews_change_reasons_stand_under_the_cache_they_explain(
    pulumi_stack: Any,
) -> None:
    stack = cache_stack(pulumi_stack, retention_days=7)
    stack.up()
    stack.config_set("spec", json.dumps({"image_cache_name": "e2e", "images": ["nginx:1.25"]}))
    preview = stack.preview_json()
    reasons = [d for d in preview.get("diagnostics") or [] if "retention_days" in d["message"]]
    assert reasons and {d.get("urn") for d in reasons} == {urn_of(stack, "cache")}


def test_lines_of_concurrent_caches_never_run_together_nor_reach_the_stack(
    pulumi_stack: Any,
) -> None:
    stack: PulumiStack = pulumi_stack("tests/e2e/programs/several", config={**FAST, "count": "4"})
    up = stack.up("--json", "--parallel", "8")
    ids = {r["urn"]: r["id"] for r in stack.resources(TYPE)}
    lines = diagnostics(up.stdout)
    assert len(ids) == 4 and {line.get("urn") for line in lines} == set(ids)
    for line in lines:
        assert line.get("urn") in ids, line  # nothing loose on the stack
        created = CREATED.fullmatch(line["message"])
        if line.get("ephemeral"):
            assert STATUS.fullmatch(line["message"]), line
        else:
            assert created is not None and created.group(1) == ids[line["urn"]], line
