"""What the hooks into the SDK's provider server change, through that real server.

If these fail after a pulumi or grpc upgrade, the server's handler tables moved and
pulumi_eci_cache.engine.dynamic.server_hooks must be taught the new layout.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from pulumi_eci_cache.engine.dynamic import server_hooks
from tests.support.hooks_provider import HooksProvider
from tests.support.provider_server import URN, ProviderServer, grpc_error_text


@pytest.fixture(scope="module")
def server() -> Iterator[ProviderServer]:
    with ProviderServer(HooksProvider()) as served:
        served.configure({})
        yield served


def test_provider_code_knows_the_urn_of_the_call_it_serves(server: ProviderServer) -> None:
    # The first call loads (and configures) the provider, which installs the hooks.
    server.create("warm-up", {})
    _, outs = server.create("web", {})
    assert outs["urn"] == URN.format(name="web")


def test_an_expected_failure_reaches_the_engine_as_its_message_alone(
    server: ProviderServer,
) -> None:
    server.create("warm-up", {})
    with pytest.raises(grpc.RpcError) as caught:
        server.create("web", {"fail": "expected"})
    text = grpc_error_text(caught.value)
    assert text == (
        "CreateImageCache failed: Forbidden.RAM: you may not (RequestId REQ-1, HTTP 403). "
        "Grant the RAM identity permission for eci:CreateImageCache"
    )


def test_a_bug_keeps_its_traceback(server: ProviderServer) -> None:
    server.create("warm-up", {})
    with pytest.raises(grpc.RpcError) as caught:
        server.create("web", {"fail": "bug"})
    text = grpc_error_text(caught.value)
    assert "Traceback (most recent call last)" in text
    assert "a-programming-error" in text


def test_hooks_are_not_installed_outside_the_provider_process() -> None:
    assert server_hooks.install() == 0
    assert server_hooks.current_urn() is None


def test_middleware_is_only_accepted_for_lifecycle_methods() -> None:
    with pytest.raises(ValueError, match="Configure is not one of"):
        server_hooks.use("Configure", lambda request, proceed: proceed())
