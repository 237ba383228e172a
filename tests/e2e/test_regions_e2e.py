"""Several regions in one Python program (examples/regions), under the real CLI."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import FAST_POLLING, PulumiStack, ServedEmulator

pytestmark = pytest.mark.e2e


def regions_stack(pulumi_stack: Any) -> PulumiStack:
    stack: PulumiStack = pulumi_stack("examples/regions", config=FAST_POLLING)
    stack.up()
    return stack


def test_each_cache_is_built_in_its_own_region(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = regions_stack(pulumi_stack)
    outputs = stack.outputs()
    where = {c["ImageCacheId"]: c["RegionId"] for c in served_emulator.caches()}
    assert where == {
        outputs["home"]["id"]: "cn-hangzhou",
        outputs["shanghai"]["id"]: "cn-shanghai",
    }
    assert (outputs["home"]["region"], outputs["shanghai"]["region"]) == (
        "cn-hangzhou",
        "cn-shanghai",
    )


def test_caches_in_two_regions_refresh_and_destroy_where_they_are(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = regions_stack(pulumi_stack)
    stack.refresh("--expect-no-changes")
    stack.destroy()
    assert served_emulator.caches() == []


def test_moving_a_cache_to_another_region_replaces_it(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = regions_stack(pulumi_stack)
    program = stack.project_dir / "__main__.py"
    program.write_text(program.read_text().replace('region="cn-shanghai"', 'region="cn-beijing"'))
    preview = stack.preview("--diff")
    said = preview.stdout + preview.stderr
    assert "an image cache cannot move to another region, so it is replaced" in said
    assert "+-1 to replace" in preview.stdout
    stack.up()
    assert sorted(c["RegionId"] for c in served_emulator.caches()) == ["cn-beijing", "cn-hangzhou"]
