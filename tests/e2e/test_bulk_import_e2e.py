"""A brownfield fleet brought in whole: ``eci-cache import-file`` then ``pulumi import
--file``, under the real CLI, through the plugin, against the served emulator.

Fifty caches are made with the vendor's own SDK (aliyunsdkeci), as a team made them
before Pulumi: some with build settings DescribeImageCaches never returns (security
group, vSwitch) and a retention, some with tags, two names twice. The program that
``pulumi import`` generates then previews clean, a refresh changes nothing, and one
cache is destroyed on its own.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.support.readme import commands

from .conftest import PLUGIN_IMAGE_CACHE_TYPE, PulumiStack, ServedEmulator, plugin_stack

pytestmark = pytest.mark.e2e

TYPE = PLUGIN_IMAGE_CACHE_TYPE
FLEET = 50
ECI_CACHE = Path(sys.executable).with_name("eci-cache")  # the package's console script


def make_fleet(served_emulator: ServedEmulator) -> list[str]:
    """Fifty caches made outside Pulumi, every few with build settings and a retention."""
    ids = []
    for i in range(FLEET):
        extra: dict[str, object] = {}
        if i % 3 == 0:
            extra = {"SecurityGroupId": "sg-1", "VSwitchId": f"vsw-{i % 2}", "RetentionDays": 7}
        if i % 5 == 0:
            extra["Tags"] = [{"Key": "team", "Value": f"t{i % 2}"}]
        name = f"svc-{i % 48:02d}"  # svc-00 and svc-01 are made twice
        ids.append(
            served_emulator.vendor_create(ImageCacheName=name, Images=["nginx:1.25"], **extra)
        )
    served_emulator.post("builds/finish")
    return ids


# The README's two commands ("Import an existing cache"), as written, in the project.
LISTING, IMPORT = (
    shlex.split(line, comments=True) for line in commands("bulk-import").splitlines()
)


def import_file(served_emulator: ServedEmulator, cwd: Path) -> str:
    """``eci-cache import-file`` as the README gives it (the endpoint from the
    environment, as a user points it at the emulator); what it said on stderr."""
    result = subprocess.run(
        [str(ECI_CACHE), *LISTING[1:]],
        cwd=cwd,
        env={
            "PATH": "/usr/bin:/bin",
            "ECI_CACHE_ENDPOINT": served_emulator.url,
            **served_emulator.env(),
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stderr


def test_a_fleet_of_fifty_imports_whole_previews_clean_and_one_destroys_alone(
    pulumi_stack: Callable[..., PulumiStack], served_emulator: ServedEmulator
) -> None:
    ids = make_fleet(served_emulator)
    stack = plugin_stack(pulumi_stack, "tests/e2e/programs/yaml-empty")
    said = import_file(served_emulator, stack.project_dir)
    assert f"{FLEET} image cache(s) of region cn-hangzhou" in said, said
    entries = json.loads((stack.project_dir / "caches.json").read_text())["resources"]
    assert sorted(e["id"] for e in entries) == sorted(ids)
    assert len({e["name"] for e in entries}) == FLEET

    assert IMPORT[0] == "pulumi"
    stack.run(*IMPORT[1:], env={"PULUMI_SKIP_CONFIRMATIONS": "true"}, timeout=600)
    assert sorted(r["id"] for r in stack.resources(TYPE)) == sorted(ids)

    program = stack.program()
    generated = yaml.safe_load((stack.project_dir / "caches.yaml").read_text())
    program["resources"] = generated["resources"]
    stack.write_program(program)
    stack.preview("--expect-no-changes")
    stack.refresh("--expect-no-changes")

    gone = stack.resources(TYPE)[0]  # imported as protected, as pulumi import does
    stack.run("state", "unprotect", gone["urn"], "--yes")
    stack.destroy("--target", gone["urn"])
    assert len(stack.resources(TYPE)) == FLEET - 1
    live = {c["ImageCacheId"] for c in served_emulator.caches()}
    assert live == set(ids) - {gone["id"]}
