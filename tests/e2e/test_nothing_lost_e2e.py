"""Nothing lost when an ``up`` fails, under the real CLI against the emulator, both faces.

- A service error in the middle of the builds (one DescribeImageCaches answered 403):
  the ``up`` fails, every cache the service accepted is in the state with its own name
  on its own row, and ``destroy`` leaves none.
- The endpoint gone in the middle of the builds and back after 75 s: the ``up`` fails
  after the unreachable timeout keeping every cache, and the next one finishes them.
- A refresh, a ``preview --refresh`` and a destroy of 10 caches with the endpoint down
  end within the unreachable timeout plus a few seconds: the endpoint is found dead
  once, not once per batch of the engine's slots.
- A provider setting the rules refuse fails the preview, naming it, with no API call.

Builds are held (the emulator's ``hold_builds``), so a test decides when they end.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_eci_cache.rules.config import stack_key

from .cli_faces import DYNAMIC, FACES, PLUGIN, Face
from .conftest import REPO_ROOT, PulumiCommandError, PulumiStack, ServedEmulator
from .live import live, wait_until

pytestmark = pytest.mark.e2e

HANG = 300.0
UNREACHABLE = 15  # the unreachableTimeoutSeconds of the dead-endpoint tests


@pytest.fixture(params=FACES, ids=[face.name for face in FACES])
def face(request: pytest.FixtureRequest) -> Face:
    chosen: Face = request.param
    return chosen


def many(
    face: Face,
    pulumi_stack: Any,
    emulator: ServedEmulator,
    directory: Path,
    count: int,
    settings: dict[str, str] | None = None,
) -> PulumiStack:
    source, config = face.many(count, directory)
    namespaced = {f"{face.namespace}:{k}": v for k, v in (settings or {}).items()}
    stack: PulumiStack = pulumi_stack(
        source, emulator=emulator, config={**face.config(emulator), **config, **namespaced}
    )
    return stack


def state_ids(stack: PulumiStack, face: Face) -> list[str]:
    return sorted(r["id"] for r in stack.resources(face.type))


def service_ids(emulator: ServedEmulator) -> list[str]:
    return sorted(c["ImageCacheId"] for c in emulator.caches())


def calls(emulator: ServedEmulator) -> dict[str, int]:
    result: dict[str, int] = emulator.get("calls")["calls"]
    return result


def failure_of(stdout: str, name: str) -> str:
    """The lines the CLI printed about resource ``name``'s failure."""
    lines = [
        line for line in stdout.splitlines() if f"ImageCache {name} " in line or f"({name})" in line
    ]
    section = stdout.split("\nDiagnostics:\n", 1)[-1]
    match = re.search(
        rf"^  \S+ \({re.escape(name)}\):\n(.*?)(?=^  \S|^Resources:)", section, re.M | re.S
    )
    return "\n".join(lines) + "\n" + (match.group(1) if match else "")


def test_a_service_error_mid_build_keeps_every_accepted_cache_each_named_its_own(
    face: Face, pulumi_stack: Any, served_emulator: ServedEmulator, tmp_path: Path
) -> None:
    count = 6
    served_emulator.post("config", {"hold_builds": True})
    stack = many(face, pulumi_stack, served_emulator, tmp_path / "program", count)
    with live(stack, "up", "--yes", "--skip-preview", "--parallel", "16") as run:
        wait_until(lambda: len(served_emulator.caches()) == count, HANG, "every create")
        time.sleep(1.0)  # the waits have begun
        served_emulator.post(
            "faults",
            {
                "force": [
                    {
                        "action": "DescribeImageCaches",
                        "code": "Forbidden.RAM",
                        "http_status": 403,
                        "message": "not allowed",
                        "count": 1,
                    }
                ]
            },
        )
        code = run.wait(HANG)
    assert code != 0
    assert state_ids(stack, face) == service_ids(served_emulator)  # every accepted cache
    ids = {c["ImageCacheName"]: c["ImageCacheId"] for c in served_emulator.caches()}
    for name, cache_id in ids.items():
        said = failure_of(run.stdout, name)
        assert f"{name} ({cache_id}): the wait" in said, said
        assert "Forbidden.RAM" in said and "kept in the state" in said
        others = [other for other in ids if other != name]
        assert not any(f"{other} (" in said for other in others), said
    stack.destroy()
    assert served_emulator.caches() == []


def test_the_endpoint_gone_mid_build_and_back_loses_nothing(
    face: Face, pulumi_stack: Any, served_emulator: ServedEmulator, tmp_path: Path
) -> None:
    count = 10
    served_emulator.post("config", {"hold_builds": True})
    stack = many(face, pulumi_stack, served_emulator, tmp_path / "program", count)
    with live(stack, "up", "--yes", "--skip-preview", "--parallel", "16") as run:
        wait_until(lambda: len(served_emulator.caches()) == count, HANG, "every create")
        accepted = service_ids(served_emulator)
        served_emulator.stop()
        gone = time.monotonic()
        code = run.wait(HANG)
    assert code != 0
    assert state_ids(stack, face) == accepted
    time.sleep(max(0.0, 75 - (time.monotonic() - gone)))
    served_emulator.restart()
    served_emulator.post("builds/finish", {})
    stack.up("--parallel", "16")
    assert service_ids(served_emulator) == accepted  # no cache built twice
    assert all(c["Status"] == "Ready" for c in served_emulator.caches())
    assert calls(served_emulator).get("CreateImageCache", 0) == 0  # since the restart
    stack.destroy()
    assert served_emulator.caches() == []


@pytest.mark.parametrize(
    "command",
    [
        ("refresh", "--yes", "--skip-preview"),
        ("preview", "--refresh"),
        ("destroy", "--yes", "--skip-preview"),
    ],
    ids=["refresh", "preview-refresh", "destroy"],
)
def test_an_endpoint_down_is_found_once_for_ten_caches(
    face: Face,
    pulumi_stack: Any,
    served_emulator: ServedEmulator,
    tmp_path: Path,
    command: tuple[str, ...],
) -> None:
    stack = many(
        face,
        pulumi_stack,
        served_emulator,
        tmp_path / "program",
        10,
        {"unreachableTimeoutSeconds": str(UNREACHABLE)},
    )
    stack.up("--parallel", "16")
    served_emulator.stop()
    started = time.monotonic()
    with pytest.raises(PulumiCommandError) as info:
        stack.run(*command, timeout=HANG)
    took = time.monotonic() - started
    text = info.value.stdout + info.value.stderr
    assert "cannot reach the ECI endpoint" in text
    # Found once: less than two timeouts (the CLI's own start and a loaded machine take
    # seconds of their own; a fixed slack of 5 s failed under CI's four workers).
    assert took < 2 * UNREACHABLE, f"{' '.join(command)} took {took:.0f}s"
    print(f"{face.name} {' '.join(command)}: failed after {took:.1f}s (timeout {UNREACHABLE}s)")


def bad_setting_stack(
    face: Face, pulumi_stack: Any, emulator: ServedEmulator, tmp_path: Path, key: str, value: str
) -> PulumiStack:
    if face is DYNAMIC:
        stack: PulumiStack = pulumi_stack(face.one, emulator=emulator)
        stack.config_set(stack_key(key), value)
        return stack
    program = yaml.safe_load((REPO_ROOT / PLUGIN.one / "Pulumi.yaml").read_text())
    program.setdefault("resources", {})["p"] = {
        "type": "pulumi:providers:ecicache",
        "properties": {key: value},
    }
    for resource in program["resources"].values():
        if resource.get("type") == "ecicache:ImageCache":
            resource.setdefault("options", {})["provider"] = "${p}"
    directory = tmp_path / "bad-setting"
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    stack = pulumi_stack(str(directory), emulator=emulator)
    return stack


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("region", "CN HANGZHOU!!", 'must be a region id such as "cn-hangzhou"'),
        ("endpoint", "http://127.0.0.1:notaport", 'has port "notaport"'),
        ("endpoint", "ftp://127.0.0.1:8686", "must be an http:// or https:// URL"),
        ("endpoint", "127.0.0.1:8686", "must start with http:// or https://"),
    ],
)
def test_a_bad_provider_setting_fails_the_preview_with_no_api_call(
    face: Face,
    pulumi_stack: Any,
    served_emulator: ServedEmulator,
    tmp_path: Path,
    key: str,
    value: str,
    rule: str,
) -> None:
    stack = bad_setting_stack(face, pulumi_stack, served_emulator, tmp_path, key, value)
    with pytest.raises(PulumiCommandError) as info:
        stack.preview()
    text = info.value.stdout + info.value.stderr
    named = (
        f"eci-cache:{key}"
        if face is DYNAMIC and key == "endpoint"
        else (f"alicloud:{key}" if face is DYNAMIC else f"{key} (provider p)")
    )
    assert f"{named} = " in text and rule in text, text
    assert "Traceback" not in text
    assert sum(calls(served_emulator).values()) == 0


def test_a_mistyped_key_of_ours_fails_the_preview_naming_the_closest_setting(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack: PulumiStack = pulumi_stack(DYNAMIC.one, emulator=served_emulator)
    stack.config_set("eci-cache:endpiont", "http://127.0.0.1:1")
    with pytest.raises(PulumiCommandError) as info:
        stack.preview()
    text = info.value.stdout + info.value.stderr
    assert "eci-cache:endpiont: no such setting; did you mean eci-cache:endpoint?" in text, text
    assert "Traceback" not in text
    assert sum(calls(served_emulator).values()) == 0
