"""A provider's settings are checked like inputs, at preview, with no API call: the
dynamic face reports its stack config's problems on every resource's check; the plugin
answers CheckConfig for each provider, named as the user wrote them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.runtime.proto import provider_pb2

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EmulatorServer,
)
from pulumi_eci_cache.rules.identity import IDENTITY_KEY, MARKER_KEY, MARKER_VALUE
from tests.support.faces import DynamicFace, PluginFace

INPUTS = {"image_cache_name": "web", "images": ["nginx:1.25"], IDENTITY_KEY: "p/s/web"}


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as served:
        yield served


def env(emulator: EmulatorServer) -> dict[str, str]:
    return {
        "ECI_CACHE_ENDPOINT": emulator.url,
        "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
    }


def test_the_dynamic_faces_bad_settings_fail_every_check_naming_the_stack_key(
    emulator: EmulatorServer,
) -> None:
    with DynamicFace(env(emulator)) as face:
        face.settle({"region": "CN HANGZHOU!!", "endpoint": "http://127.0.0.1:notaport"})
        _, failures = face.check("web", INPUTS)
    reasons = [reason for _, reason in failures]
    assert 'alicloud:region = "CN HANGZHOU!!": must be a region id such as "cn-hangzhou"' in (
        reasons
    )
    assert any(
        r.startswith('eci-cache:endpoint = "http://127.0.0.1:notaport": has port "notaport"')
        for r in reasons
    )
    assert sum(emulator.backend.call_counts.values()) == 0


def test_a_mistyped_key_of_the_dynamic_faces_namespace_fails_every_check(
    emulator: EmulatorServer,
) -> None:
    with DynamicFace(env(emulator)) as face:
        face.configure(
            {
                "eci-cache:endpiont": "http://127.0.0.1:1",
                "alicloud:region": "cn-hangzhou",
                "alicloud:skipRegionValidation": "true",  # pulumi-alicloud's: not ours
                "my-project:spec": "{}",
            }
        )
        _, failures = face.check("web", INPUTS)
    reasons = [reason for _, reason in failures]
    assert len(reasons) == 1, reasons
    assert reasons[0].startswith(
        "eci-cache:endpiont: no such setting; did you mean eci-cache:endpoint? (the settings: "
        "alicloud:region, "
    )
    assert sum(emulator.backend.call_counts.values()) == 0


def test_the_dynamic_face_carries_the_policy_marker_without_checking_it(
    emulator: EmulatorServer,
) -> None:
    with DynamicFace(env(emulator)) as face:
        face.settle({})
        inputs, failures = face.check("web", {**INPUTS, MARKER_KEY: MARKER_VALUE})
    assert failures == []
    assert inputs[MARKER_KEY] == MARKER_VALUE


def check_config(face: PluginFace, settings: dict[str, object]) -> list[str]:
    from pulumi_eci_cache.engine.plugin.properties import to_wire

    wire = to_wire(settings, ())
    resp = face.stub.CheckConfig(
        provider_pb2.CheckRequest(
            urn="urn:pulumi:dev::p::pulumi:providers:ecicache::p",
            news=PropertyValue.marshal_map(wire),
        )
    )
    return [f.reason for f in resp.failures]


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        (
            {"region": "CN HANGZHOU!!"},
            'region (provider p) = "CN HANGZHOU!!": must be a region id such as "cn-hangzhou"',
        ),
        ({"region": 42.0}, "region (provider p) = 42: must be a string"),
        ({"endpoint": ""}, 'endpoint (provider p) = "": must be a URL'),
        ({"endpoint": "ftp://h:1"}, "must be an http:// or https:// URL, not ftp://"),
        ({"endpoint": "127.0.0.1:8686"}, "must start with http:// or https://"),
        (
            {"unreachableTimeoutSeconds": -1.0},
            "unreachableTimeoutSeconds (provider p) = -1: must be more than 0",
        ),
        (
            {"assumeRole": {"roleArn": "role/b"}},
            'assumeRole.roleArn (provider p) = "role/b": must be a RAM role\'s ARN',
        ),
        (
            {"regoin": "cn-hangzhou"},
            'regoin (provider p) = "cn-hangzhou": no such setting; did you mean region '
            "(provider p)? (the settings: region (provider p), accessKey (provider p),",
        ),
        (
            {"silenceAdvice": ["sizes"]},
            'silenceAdvice.0 (provider p) = "sizes": must be one of "no-retention", "flash"',
        ),
    ],
)
def test_an_explicit_providers_bad_setting_is_refused_at_check_config(
    emulator: EmulatorServer, settings: dict[str, object], reason: str
) -> None:
    with PluginFace(env(emulator)) as face:
        reasons = check_config(face, settings)
    assert any(reason in r for r in reasons), reasons
    assert sum(emulator.backend.call_counts.values()) == 0
