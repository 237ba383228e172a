"""A moto-style emulator of the ECI image-cache API, in-process (respx) or served.

Tests and demos need the four image-cache actions with their real wire format,
signatures, status machine, failures and faults, without an Alibaba Cloud account.
``EciBackend`` holds the state; ``mock_eci`` mounts it on httpx in-process;
``EmulatorServer`` serves it on a loopback port (``python -m pulumi_eci_cache.emulator``
from a shell). See docs/architecture.md for the contracts it honours.
"""

from __future__ import annotations

from .faults import Faults, ForcedFault
from .mock import EmulatedEci, emulated_eci, mock_eci
from .models import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    TRANSITIONS,
    EciBackend,
    FakeClock,
    ImageCache,
)
from .responses import EciResponses, EmulatorResponse
from .server import EmulatorServer

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "TRANSITIONS",
    "EciBackend",
    "EciResponses",
    "EmulatedEci",
    "EmulatorResponse",
    "EmulatorServer",
    "FakeClock",
    "Faults",
    "ForcedFault",
    "ImageCache",
    "emulated_eci",
    "mock_eci",
]
