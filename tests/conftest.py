"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pulumi_eci_cache import __version__
from pulumi_eci_cache.emulator import EmulatedEci, EmulatorServer, emulated_eci
from pulumi_eci_cache.engine.plugin.__main__ import _semver
from pulumi_eci_cache.engine.plugin.schema import schema_json
from tests.support import packaged_sdks, sdks
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


@pytest.fixture(scope="session")
def schema_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schema the plugin serves (``pulumi package get-schema``), of its own version:
    the SDKs of the sdk tests come from it (the examples' from ``packed_sdks``)."""
    path = tmp_path_factory.mktemp("schema") / "ecicache.json"
    path.write_text(schema_json(_semver(__version__)))
    return path


@pytest.fixture(scope="session")
def generated(schema_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``generated(language)``: the SDK of ``schema_file``, generated once per session."""
    root = tmp_path_factory.mktemp("sdks")
    done: dict[str, Path] = {}

    def get(language: str) -> Path:
        if language not in done:
            done[language] = sdks.generate_sdk(schema_file, language, root / language)
        return done[language]

    return get


@pytest.fixture(scope="session")
def packed_sdks(tmp_path_factory: pytest.TempPathFactory) -> packaged_sdks.PackedSdks:
    """``make sdks`` once per session, into a dist/sdks and a Go folder of its own."""
    root = tmp_path_factory.mktemp("packed")
    return packaged_sdks.make_sdks(root / "dist" / "sdks", root / "go")


@pytest.fixture(scope="session")
def typescript_package(
    packed_sdks: packaged_sdks.PackedSdks, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The TypeScript SDK as ``npm install`` of ``make sdks``' tarball unpacks it: the
    package directory a program's node_modules holds. Its own imports (@pulumi/pulumi)
    resolve from its real path: the pinned toolchain's node_modules sits beside it."""
    root = tmp_path_factory.mktemp("npm")
    (root / "node_modules").symlink_to(sdks.node_modules(), target_is_directory=True)
    return packaged_sdks.unpack_tarball(packed_sdks.tarball, root)


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
