"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_eci_cache.emulator import EmulatedEci, EmulatorServer, emulated_eci
from tests.support.wheel_install import WheelVenv, build_dists, install_wheel


@pytest.fixture
def eci_emulator() -> Iterator[EmulatedEci]:
    """The ECI emulator mounted in-process on httpx (respx), on a fake clock."""
    with emulated_eci() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def emulator_server() -> Iterator[EmulatorServer]:
    """The emulator served on a free loopback port (wall clock, 0.3 s builds), per module."""
    with EmulatorServer(build_seconds=0.3) as served:
        yield served


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> WheelVenv:
    """The built wheel installed alone into a clean virtualenv (once per test session)."""
    root = tmp_path_factory.mktemp("wheel")
    return install_wheel(build_dists(root / "dist"), root / "venv")


@pytest.fixture(autouse=True, scope="session")
def _no_stray_event_loop() -> Iterator[None]:
    """pulumi's sync helpers may leave an event loop open in the test process; close it
    at the end so its garbage collection does not print a warning after the summary."""
    yield
    import asyncio
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            return
    if not loop.is_closed():
        loop.close()
