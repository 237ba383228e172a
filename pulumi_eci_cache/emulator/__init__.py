"""A moto-style emulator of the ECI image-cache API and STS, in-process (respx) or served.

Tests and demos need the four image-cache actions with their real wire format,
signatures, status machine, failures and faults, without an Alibaba Cloud account;
and, to test a provider that assumes a role, accounts, RAM roles, OIDC providers and
STS (AssumeRole, AssumeRoleWithOIDC, GetCallerIdentity) on the same port.
``EciBackend`` holds the state; ``EmulatorServer`` serves it on a loopback port
(``python -m pulumi_eci_cache.emulator`` or ``eci-emulator`` from a shell), which a
plain install can do; ``mock_eci`` / ``emulated_eci`` mount it on httpx in-process
and need respx (the ``mock`` extra), so they are imported on first use and are not
in ``__all__`` (a star import must work without respx). See docs/architecture.md
for the contracts it honours.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .faults import Faults, ForcedFault
from .iam import DEFAULT_ACCOUNT_ID, DEFAULT_USER
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

if TYPE_CHECKING:
    from .mock import EmulatedEci as EmulatedEci
    from .mock import emulated_eci as emulated_eci
    from .mock import mock_eci as mock_eci

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_USER",
    "TRANSITIONS",
    "EciBackend",
    "EciResponses",
    "EmulatorResponse",
    "EmulatorServer",
    "FakeClock",
    "Faults",
    "ForcedFault",
    "ImageCache",
]

# The in-process mount, importable only where respx is installed.
MOCK_NAMES = frozenset({"EmulatedEci", "emulated_eci", "mock_eci"})
MISSING_RESPX = (
    "pulumi_eci_cache.emulator.{name} mounts the emulator in-process with respx, which is "
    "not installed: pip install 'pulumi-eci-cache[mock]' (the served emulator, "
    "`eci-emulator`, needs no extra)."
)


def __getattr__(name: str) -> Any:
    """Import the respx mount on first use, with one clear sentence when respx is missing."""
    if name not in MOCK_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        mock = importlib.import_module(".mock", __name__)
    except ModuleNotFoundError as exc:
        if exc.name != "respx":
            raise
        raise ModuleNotFoundError(MISSING_RESPX.format(name=name), name="respx") from exc
    return getattr(mock, name)
