"""The e2e fixtures themselves: the served emulator and the CLI wrapper's errors."""

from __future__ import annotations

import pytest

from .conftest import PulumiCommandError, ServedEmulator

pytestmark = pytest.mark.e2e


def test_served_emulator_admin_api(served_emulator: ServedEmulator) -> None:
    assert served_emulator.url.startswith("http://127.0.0.1:")
    assert served_emulator.process.poll() is None
    assert served_emulator.caches() == []
    served_emulator.reset()
    assert served_emulator.caches() == []
    assert served_emulator.env()["ALIBABA_CLOUD_ACCESS_KEY_ID"] == served_emulator.access_key_id


def test_failed_command_raises_with_output(pulumi_stack) -> None:  # type: ignore[no-untyped-def]
    stack = pulumi_stack("tests/e2e/programs/smoke", emulator=None)
    with pytest.raises(PulumiCommandError) as info:
        stack.run("stack", "select", "no-such-stack")
    assert info.value.returncode not in (0, None)
    assert "no-such-stack" in str(info.value)
    result = stack.run("stack", "select", "no-such-stack", check=False)
    assert result.returncode != 0
