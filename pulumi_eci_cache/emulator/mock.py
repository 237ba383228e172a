"""The in-process ECI emulator: the same handler mounted on httpx with respx.

Unit tests of an httpx-based client should not need sockets, threads or ports, so
``mock_eci`` routes every request to an ECI endpoint into ``EciResponses.handle``
(and ``/_emulator/`` into the admin API) inside the test's own process. A dropped
connection fault raises ``httpx.RemoteProtocolError``, as httpx does when a server
hangs up without answering. ``emulated_eci`` bundles a backend on a ``FakeClock``
with the mount, for the ``eci_emulator`` pytest fixture.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import respx
from aliyunsdkcore.auth.composer import rpc_signature_composer

from .admin import ADMIN_PREFIX, handle_admin
from .models import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EciBackend, FakeClock
from .responses import EciResponses

__all__ = ["DEFAULT_BASE_URL", "EmulatedEci", "emulated_eci", "mock_eci", "signed_path"]

DEFAULT_BASE_URL = "https://eci.cn-hangzhou.aliyuncs.com"


def mock_eci(backend: EciBackend, base_url: str = DEFAULT_BASE_URL) -> respx.MockRouter:
    """A respx router (use it as a context manager) answering ``base_url`` from ``backend``."""
    responses = EciResponses(backend)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith(ADMIN_PREFIX):
            reply = handle_admin(backend, request.method, request.url.path, request.content)
        else:
            reply = responses.handle(
                request.method, str(request.url), dict(request.headers), request.content
            )
        if reply.drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body)

    router = respx.mock(base_url=base_url, assert_all_called=False)
    router.route().mock(side_effect=answer)
    return router


def signed_path(
    action: str,
    params: Mapping[str, Any],
    key_id: str = DEFAULT_ACCESS_KEY_ID,
    secret: str = DEFAULT_ACCESS_KEY_SECRET,
    method: str = "GET",
    region_id: str = "cn-hangzhou",
    version: str = "2018-08-08",
) -> str:
    """``/?...`` for one RPC call, signed by aliyunsdkcore exactly as its clients sign
    (``version="2015-04-01"`` for STS; an STS key's token goes in ``params`` as
    ``SecurityToken``)."""
    query = {"Action": action, "Version": version, "RegionId": region_id, **params}
    path, _ = rpc_signature_composer.get_signed_url(
        {k: str(v) for k, v in query.items()}, key_id, secret, "JSON", method, {}
    )
    return str(path)


@dataclass
class EmulatedEci:
    """What the ``eci_emulator`` fixture yields."""

    backend: EciBackend
    clock: FakeClock
    router: respx.MockRouter
    base_url: str = DEFAULT_BASE_URL
    access_key_id: str = DEFAULT_ACCESS_KEY_ID
    access_key_secret: str = DEFAULT_ACCESS_KEY_SECRET
    region_id: str = "cn-hangzhou"

    def call(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        method: str = "GET",
        **signing: Any,
    ) -> httpx.Response:
        """Send one signed call to the mounted emulator (``signing``: see ``signed_path``)."""
        path = signed_path(action, params or {}, method=method, **signing)
        with httpx.Client(base_url=self.base_url) as client:
            return client.request(method, path)


@contextmanager
def emulated_eci(
    base_url: str = DEFAULT_BASE_URL, build_seconds: float = 6.0
) -> Iterator[EmulatedEci]:
    """A fresh backend on a ``FakeClock``, mounted at ``base_url`` for the block."""
    clock = FakeClock()
    backend = EciBackend(clock=clock, build_seconds=build_seconds)
    with mock_eci(backend, base_url) as router:
        yield EmulatedEci(backend, clock, router, base_url)
