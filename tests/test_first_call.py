"""Every call is answered the same way from a provider process's first call on: an
expected failure is one sentence, never a traceback, whichever method comes first
(the dynamic face loads our provider inside its first call, too late for the server
hooks to wrap it; engine/reaches/pulumi_sdk.py answers that call).

Each case starts a fresh provider process, configures it with a setting the rules
refuse, and calls one method first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest

from pulumi_eci_cache.engine.reaches.pulumi_sdk import serialize_provider
from pulumi_eci_cache.provider import ImageCacheProvider
from pulumi_eci_cache.rules.identity import IDENTITY_KEY
from tests.support.faces import FACES, DynamicFace, Face, PluginFace

# What the engine sends a dynamic provider: the inputs and our pickled provider.
INPUTS = {
    "image_cache_name": "web",
    "images": ["nginx:1.25"],
    IDENTITY_KEY: "p/s/web",
    "__provider": serialize_provider(ImageCacheProvider()),
}
STATE = {**INPUTS, "timeout": "60m", "image_cache_id": "imc-1", "status": "Ready"}
BAD = {"region": "CN HANGZHOU!!"}
ENV = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "emulator-access-key-id",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "emulator-access-key-secret",
    "ECI_CACHE_ENDPOINT": "http://127.0.0.1:9",
}

CALLS: dict[str, Callable[[Face], Any]] = {
    "check": lambda face: face.check("web", INPUTS),
    "diff": lambda face: face.diff("web", "imc-1", STATE, INPUTS),
    "create": lambda face: face.create("web", INPUTS),
    "read": lambda face: face.read("web", "imc-1", STATE),
    "update": lambda face: face.update("web", "imc-1", STATE, INPUTS),
    "delete": lambda face: face.delete("web", "imc-1", STATE),
}


def first_call(kind: str, method: str) -> str:
    """What the first call of a fresh process answers, with the settings refused (the
    plugin refuses them at Configure already, in the same words: its later calls too)."""
    face: Face = DynamicFace(ENV) if kind == "dynamic" else PluginFace(ENV)
    try:
        face.settle(BAD)
    except grpc.RpcError as refused:
        assert kind == "plugin"
        assert "Traceback" not in (refused.details() or ""), refused.details()
    try:
        try:
            answer = CALLS[method](face)
        except grpc.RpcError as error:
            return error.details() or ""
        _, failures = answer  # check answers with failures, not an error
        return "; ".join(reason for _, reason in failures)
    finally:
        face.close()


@pytest.mark.parametrize("method", list(CALLS))
@pytest.mark.parametrize("kind", FACES)
def test_the_first_call_of_a_process_fails_in_one_sentence(kind: str, method: str) -> None:
    said = first_call(kind, method)
    setting = "alicloud:region" if kind == "dynamic" else "ecicache:region"
    assert f'{setting} = "CN HANGZHOU!!": must be a region id' in said, said
    assert "Traceback" not in said and 'File "' not in said, said
