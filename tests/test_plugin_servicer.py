"""The plugin's gRPC answers where the SDK's servicer would give the engine a wrong one.

An explicit ``pulumi:providers:ecicache`` whose region changes must be an update the
engine sees: otherwise it keeps the provider as it was, and the caches on it are
never moved to the new region (servicer.py answers DiffConfig itself).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.protobuf import struct_pb2
from pulumi.provider.experimental import provider as sdk
from pulumi.runtime.proto import provider_pb2

from pulumi_eci_cache.engine.plugin.servicer import diff_response, with_applied_inputs
from tests.support.faces import PluginFace

WIRE = provider_pb2.DiffResponse
UPDATE = provider_pb2.PropertyDiff.UPDATE


@pytest.fixture
def plugin() -> Iterator[PluginFace]:
    with PluginFace() as face:
        yield face


def test_a_changed_region_of_a_provider_is_a_change_the_engine_sees(plugin: PluginFace) -> None:
    resp = plugin.diff_config({"region": "cn-shanghai"}, {"region": "cn-shenzhen"})
    assert resp.changes == WIRE.DIFF_SOME, WIRE.DiffChanges.Name(resp.changes)
    assert list(resp.diffs) == ["region"]
    assert {k: v.kind for k, v in resp.detailedDiff.items()} == {"region": UPDATE}


def test_unchanged_provider_settings_are_no_change(plugin: PluginFace) -> None:
    settings = {"region": "cn-shanghai", "endpoint": "http://127.0.0.1:8686"}
    resp = plugin.diff_config(settings, settings)
    assert resp.changes == WIRE.DIFF_NONE, WIRE.DiffChanges.Name(resp.changes)
    assert list(resp.diffs) == []


@pytest.mark.parametrize(
    ("changes", "wire"),
    [(True, WIRE.DIFF_SOME), (False, WIRE.DIFF_NONE), (None, WIRE.DIFF_UNKNOWN)],
)
def test_a_diffs_changes_reach_the_wire_as_the_protocols_enum(
    changes: bool | None, wire: int
) -> None:
    assert diff_response(sdk.DiffResponse(changes=changes)).changes == wire


def test_each_kind_of_a_detailed_diff_reaches_the_wire_by_name() -> None:
    kinds = {
        kind.name.lower(): sdk.PropertyDiff(kind, input_diff=True) for kind in sdk.PropertyDiffKind
    }
    detailed = diff_response(sdk.DiffResponse(changes=True, detailed_diff=kinds)).detailedDiff
    assert {k: provider_pb2.PropertyDiff.Kind.Name(v.kind) for k, v in detailed.items()} == {
        name: name.upper() for name in kinds
    }


def test_the_default_providers_settings_are_named_by_their_stack_config_keys() -> None:
    from pulumi_eci_cache.engine.plugin.provider import setting_names

    keys, origin = setting_names("urn:pulumi:dev::p::pulumi:providers:ecicache::default_0_1_0")
    assert (keys("secret_key"), origin) == ("ecicache:secretKey", "stack config")


def test_an_explicit_providers_settings_are_named_by_its_properties() -> None:
    from pulumi_eci_cache.engine.plugin.provider import setting_names

    keys, origin = setting_names("urn:pulumi:dev::p::pulumi:providers:ecicache::shanghai")
    assert (keys("endpoint"), origin) == ("endpoint (provider shanghai)", "the property")


def test_the_handshake_takes_secrets_and_asks_for_each_providers_urn(plugin: PluginFace) -> None:
    resp = plugin.stub.Handshake(
        provider_pb2.ProviderHandshakeRequest(engine_address="", configure_with_urn=True)
    )
    assert resp.accept_secrets is True


def test_an_explicit_providers_refused_role_is_named_as_its_property() -> None:
    """Configure carries the provider's URN (Handshake asked for it): a failure of its
    role names the property of that provider, with the role's ARN."""
    from pulumi.provider.experimental.property_value import PropertyValue

    from pulumi_eci_cache.emulator import EmulatorServer

    role = "acs:ram::2222000000000000:role/missing"
    with EmulatorServer() as emulator:
        env = {
            "ECI_CACHE_ENDPOINT": emulator.url,
            "ALIBABA_CLOUD_STS_ENDPOINT": emulator.url,
            "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou",
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "emulator-access-key-id",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "emulator-access-key-secret",
        }
        with PluginFace(env) as face:
            face.stub.Handshake(provider_pb2.ProviderHandshakeRequest(configure_with_urn=True))
            args = {"assumeRole": PropertyValue({"roleArn": PropertyValue(role)})}
            face.stub.Configure(
                provider_pb2.ConfigureRequest(
                    args=PropertyValue.marshal_map(args),
                    acceptSecrets=True,
                    urn="urn:pulumi:dev::p::pulumi:providers:ecicache::pb",
                    name="pb",
                    type="pulumi:providers:ecicache",
                )
            )
            checked, _ = face.check("web", {"image_cache_name": "web", "images": ["nginx:1.25"]})
            with pytest.raises(Exception) as info:
                face.create("web", checked)
        text = str(info.value)
        assert f"cannot act as role {role} (assumeRole.roleArn (provider pb))" in text
        assert emulator.backend.call_counts["CreateImageCache"] == 0


def _struct(**values: object) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def test_an_unseen_input_takes_the_value_the_program_last_gave_it() -> None:
    request = provider_pb2.DiffRequest(
        olds=_struct(imageCacheName="web", __unseen=["vswitch_id", "zone_id"]),
        old_inputs=_struct(imageCacheName="web", vswitchId="vsw-1"),
    )
    olds = with_applied_inputs(request).olds
    assert olds["vswitchId"] == "vsw-1"
    assert "zoneId" not in olds.fields


def test_an_input_the_state_holds_is_not_taken_from_the_old_inputs() -> None:
    request = provider_pb2.UpdateRequest(
        olds=_struct(vswitchId="vsw-live"),
        old_inputs=_struct(vswitchId="vsw-1", securityGroupId="sg-1"),
    )
    olds = with_applied_inputs(request).olds
    assert dict(olds) == {"vswitchId": "vsw-live"}
