"""The quickstart under the real pulumi CLI from the built wheel, not the editable install.

The program, the dynamic provider and the emulator (its ``eci-emulator`` console
script) all run in a clean virtualenv holding only the wheel and its dependencies
(tests/support/wheel_install.py), so a module or file the package leaves out fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.wheel_install import WheelVenv

from .conftest import FAST_POLLING, PulumiStack, ServedEmulator

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("wheel"),  # one wheel built, installed once (conftest.wheel_venv),
]


def test_the_quickstart_goes_up_and_down_from_the_wheel_install(
    wheel_pulumi_stack: Callable[..., PulumiStack],
    wheel_emulator: ServedEmulator,
    wheel_venv: WheelVenv,
) -> None:
    where = wheel_venv.python_code("import pulumi_eci_cache; print(pulumi_eci_cache.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(wheel_venv.path), where.stderr
    stack = wheel_pulumi_stack("examples/quickstart", emulator=wheel_emulator, config=FAST_POLLING)

    stack.up()
    outputs = stack.outputs()
    assert (outputs["status"], outputs["progress"]) == ("Ready", "100%")
    assert [c["ImageCacheId"] for c in wheel_emulator.caches()] == [outputs["image_cache_id"]]

    stack.destroy()
    assert wheel_emulator.caches() == []
