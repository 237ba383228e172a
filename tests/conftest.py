"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_eci_cache.emulator import EmulatedEci, emulated_eci


@pytest.fixture
def eci_emulator() -> Iterator[EmulatedEci]:
    """The ECI emulator mounted in-process on httpx (respx), on a fake clock."""
    with emulated_eci() as emulator:
        yield emulator
