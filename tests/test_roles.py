"""Acting as a role, for real: against the emulator's STS and accounts, in-process on a
fake clock (the emulator's and the provider's service clock are the same clock)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pulumi_eci_cache.cloud.client import EciClient
from pulumi_eci_cache.cloud.clock import ServiceClock
from pulumi_eci_cache.cloud.roles import AssumedRole
from pulumi_eci_cache.cloud.settings import Settings, resolve_settings
from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_ACCOUNT_ID,
    EciBackend,
    EciResponses,
    FakeClock,
)
from pulumi_eci_cache.errors import RoleError
from pulumi_eci_cache.rules.config import check_config, stack_key

ACCOUNT_B = "2222000000000000"
ROLE_B = f"acs:ram::{ACCOUNT_B}:role/builder"
ACCOUNT_D = "4444000000000000"
OIDC_PROVIDER = f"acs:ram::{ACCOUNT_D}:oidc-provider/github"
CI_ROLE = f"acs:ram::{ACCOUNT_D}:role/ci"
ISSUER = "https://token.actions.githubusercontent.com"
ENDPOINT = "http://emulator.test"
BASE_ENV = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
    "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou",
    "ECI_CACHE_ENDPOINT": ENDPOINT,
    "ALIBABA_CLOUD_STS_ENDPOINT": ENDPOINT,
    "HOME": "/nonexistent",
}


@dataclass
class World:
    """The emulator with accounts B (a role trusting the base account) and D (an OIDC
    role), mounted as an httpx transport."""

    clock: FakeClock
    backend: EciBackend
    transport: httpx.MockTransport

    def settings(self, values: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Settings:
        config, failures = check_config(values)
        assert config is not None, failures
        return resolve_settings(
            config,
            {**BASE_ENV, **(env or {})},
            transport=self.transport,
            service_clock=ServiceClock(self.clock),
            sleep=lambda _: None,
        )

    def client(self, settings: Settings) -> EciClient:
        return EciClient(settings, transport=self.transport, sleep=lambda _: None)

    def signed_by(self, action: str) -> list[str | None]:
        return [c["Principal"] for c in self.backend.call_log if c["Action"] == action]

    def calls(self, action: str) -> int:
        return self.backend.call_counts[action]


@pytest.fixture
def world() -> World:
    clock = FakeClock()
    backend = EciBackend(clock=clock, build_seconds=0)
    backend.add_account(ACCOUNT_B)
    backend.add_role(ROLE_B, trust={"accounts": [DEFAULT_ACCOUNT_ID]}, max_session_seconds=7200)
    backend.add_account(ACCOUNT_D)
    backend.add_oidc_provider(OIDC_PROVIDER, ISSUER, ["sts.aliyuncs.com"])
    backend.add_role(CI_ROLE, trust={"oidc_providers": [OIDC_PROVIDER]})
    responses = EciResponses(backend)

    def answer(request: httpx.Request) -> httpx.Response:
        reply = responses.handle(
            request.method, str(request.url), dict(request.headers), request.content
        )
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body)

    return World(clock, backend, httpx.MockTransport(answer))


ASSUME_B = {"assume_role": {"roleArn": ROLE_B}}


def test_every_eci_call_is_signed_as_the_role_and_the_base_key_only_assumes_it(
    world: World,
) -> None:
    with world.client(world.settings(ASSUME_B)) as client:
        client.create_image_cache({"ImageCacheName": "web", "Images": ["nginx:1.25"]})
        client.describe_image_caches()
    base = f"acs:ram::{DEFAULT_ACCOUNT_ID}:user/emulator"
    assert world.signed_by("AssumeRole") == [base]
    session = f"acs:ram::{ACCOUNT_B}:assumed-role/builder/pulumi-eci-cache"
    assert (
        world.signed_by("CreateImageCache") == world.signed_by("DescribeImageCaches") == [session]
    )


def test_the_cache_is_built_in_the_roles_account(world: World) -> None:
    with world.client(world.settings(ASSUME_B)) as client:
        client.create_image_cache({"ImageCacheName": "web", "Images": ["nginx:1.25"]})
    [cache] = world.backend.all_caches()
    assert cache.account_id == ACCOUNT_B
    assert world.backend.all_caches(account_id=DEFAULT_ACCOUNT_ID) == []


def test_the_principal_is_the_role_in_its_account(world: World) -> None:
    who = world.settings(ASSUME_B).credentials.principal()
    assert who is not None and (who.key, who.account_id) == (f"role:{ROLE_B}", ACCOUNT_B)


def test_a_role_that_does_not_trust_the_caller_fails_before_any_eci_call(world: World) -> None:
    untrusting = f"acs:ram::{ACCOUNT_B}:role/locked"
    world.backend.add_role(untrusting, trust={"accounts": [ACCOUNT_D]})
    settings = world.settings({"assume_role": {"roleArn": untrusting}})
    with world.client(settings) as client, pytest.raises(RoleError) as info:
        client.describe_image_caches()
    message = str(info.value)
    assert message.startswith(f"cannot act as role {untrusting} (alicloud:assumeRole.roleArn)")
    assert "NoPermission" in message and "trust policy" in message
    assert "access key emulator-access-key-id" in message
    assert world.calls("DescribeImageCaches") == 0


def test_a_refusal_is_given_again_without_asking_sts_again(world: World) -> None:
    settings = world.settings({"assume_role": {"roleArn": f"acs:ram::{ACCOUNT_B}:role/none"}})
    for _ in range(3):
        with pytest.raises(RoleError):
            settings.credentials()
    assert world.calls("AssumeRole") == 1


def test_a_role_that_does_not_exist_says_to_check_its_arn(world: World) -> None:
    settings = world.settings({"assume_role": {"roleArn": f"acs:ram::{ACCOUNT_B}:role/none"}})
    with pytest.raises(RoleError, match=r"EntityNotExist\.Role.*No such role: check the account"):
        settings.credentials()


def test_a_session_longer_than_the_role_allows_says_what_to_lower(world: World) -> None:
    values = {"assume_role": {"roleArn": ROLE_B, "sessionExpiration": 43200}}
    with pytest.raises(RoleError) as info:
        world.settings(values).credentials()
    assert "InvalidParameter.DurationSeconds" in str(info.value)
    assert "Lower alicloud:assumeRole.sessionExpiration" in str(info.value)


def test_the_session_lasts_as_long_as_configured(world: World) -> None:
    values = {"assume_role": {"roleArn": ROLE_B, "sessionExpiration": 7200}}
    settings = world.settings(values)
    settings.credentials()
    source = settings.credentials
    assert isinstance(source, AssumedRole) and source._lease is not None
    assert source._lease.lifetime == 7200


def oidc_values(token_file: str) -> dict[str, Any]:
    return {
        "assume_role_with_oidc": {
            "roleArn": CI_ROLE,
            "oidcProviderArn": OIDC_PROVIDER,
            "oidcTokenFile": token_file,
        }
    }


def no_keys() -> dict[str, str]:
    return {"ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ""}


def test_oidc_from_a_token_file_needs_no_keys_at_all(world: World, tmp_path: Any) -> None:
    token = tmp_path / "token"
    token.write_text(world.backend.oidc_token(OIDC_PROVIDER, "repo:org/infra", 600))
    with world.client(world.settings(oidc_values(str(token)), no_keys())) as client:
        client.create_image_cache({"ImageCacheName": "web", "Images": ["nginx:1.25"]})
    [cache] = world.backend.all_caches()
    assert cache.account_id == ACCOUNT_D
    assert world.signed_by("AssumeRoleWithOIDC") == [OIDC_PROVIDER]


def test_an_expired_oidc_token_says_to_write_a_fresh_one(world: World, tmp_path: Any) -> None:
    token = tmp_path / "token"
    token.write_text(world.backend.oidc_token(OIDC_PROVIDER, "repo:org/infra", 60))
    world.clock.advance(120)
    settings = world.settings(oidc_values(str(token)), no_keys())
    with pytest.raises(RoleError) as info:
        settings.credentials()
    message = str(info.value)
    assert "AuthenticationFail.OIDCToken.Expired" in message
    assert f"in {token} (alicloud:assumeRoleWithOidc.oidcTokenFile)" in message
    assert token.read_text() not in message


def test_a_missing_token_file_is_named_with_its_setting(world: World, tmp_path: Any) -> None:
    settings = world.settings(oidc_values(str(tmp_path / "absent")), no_keys())
    with pytest.raises(RoleError, match=r"cannot read the OIDC token file .*absent"):
        settings.credentials()


def test_an_oidc_role_then_a_role_in_another_account_is_a_chain(
    world: World, tmp_path: Any
) -> None:
    world.backend.add_role(f"acs:ram::{ACCOUNT_B}:role/from-ci", trust={"principals": [CI_ROLE]})
    token = tmp_path / "token"
    token.write_text(world.backend.oidc_token(OIDC_PROVIDER, "repo:org/infra", 600))
    values = {
        **oidc_values(str(token)),
        "assume_role": {"roleArn": f"acs:ram::{ACCOUNT_B}:role/from-ci"},
    }
    with world.client(world.settings(values, no_keys())) as client:
        client.describe_image_caches()
    assert world.signed_by("AssumeRole") == [
        f"acs:ram::{ACCOUNT_D}:assumed-role/ci/pulumi-eci-cache"
    ]
    assert world.signed_by("DescribeImageCaches") == [
        f"acs:ram::{ACCOUNT_B}:assumed-role/from-ci/pulumi-eci-cache"
    ]


# -- tokens that expire ------------------------------------------------------------------


def test_a_token_the_service_calls_expired_is_renewed_once_and_the_create_sent_again(
    world: World,
) -> None:
    settings = world.settings(ASSUME_B)
    with world.client(settings) as client:
        client.describe_image_caches()
        # The service's clock moves past the session's end; the provider's has not seen it.
        world.backend.clock_offset += 4000
        client.create_image_cache({"ImageCacheName": "web", "Images": ["nginx:1.25"]})
    codes = [c["Code"] for c in world.backend.call_log if c["Action"] == "CreateImageCache"]
    assert codes == ["InvalidSecurityToken.Expired", ""]
    assert world.calls("AssumeRole") == 2
    assert len(world.backend.all_caches()) == 1  # the same ClientToken both times


def test_a_session_is_renewed_in_the_background_ahead_of_its_end(world: World) -> None:
    settings = world.settings(ASSUME_B)
    first = settings.credentials()
    world.clock.advance(2800)  # 47 min of an hour: inside the last 15 minutes' margin
    during = settings.credentials()
    assert during == first  # served at once, while the renewal runs in the background
    source = settings.credentials
    assert isinstance(source, AssumedRole)
    for _ in range(200):
        if source.renewals == 2:
            break
        threading.Event().wait(0.01)
    assert source.renewals == 2 and settings.credentials() != first


def test_a_renewal_ahead_of_time_that_fails_keeps_the_session_in_hand(world: World) -> None:
    settings = world.settings(ASSUME_B)
    first = settings.credentials()
    world.backend.faults.force("AssumeRole", code="ServiceUnavailable", http_status=503, count=50)
    world.clock.advance(2800)
    assert settings.credentials() == first
    with world.client(settings) as client:
        client.describe_image_caches()  # still signed with the session in hand


def test_a_session_at_its_end_is_renewed_before_it_is_used(world: World) -> None:
    settings = world.settings(ASSUME_B)
    first = settings.credentials()
    world.clock.advance(3590)
    assert settings.credentials() != first


def test_no_sts_secret_reaches_a_message(world: World) -> None:
    settings = world.settings(ASSUME_B)
    credential = settings.credentials()
    world.backend.faults.force(
        "DescribeImageCaches",
        code="Forbidden.RAM",
        http_status=403,
        message=f"denied for {credential.security_token} / {credential.access_key_secret}",
    )
    with world.client(settings) as client, pytest.raises(Exception) as info:
        client.describe_image_caches()
    assert credential.security_token not in str(info.value)
    assert credential.access_key_secret not in str(info.value)


def test_an_explicit_providers_role_is_named_as_its_property(world: World) -> None:
    def explicit(name: str) -> str:
        from pydantic.alias_generators import to_camel

        return f"{to_camel(name)} (provider pb)"

    config, _ = check_config(
        {"assume_role": {"roleArn": f"acs:ram::{ACCOUNT_B}:role/none"}}, explicit
    )
    assert config is not None
    settings = resolve_settings(
        config,
        BASE_ENV,
        explicit,
        transport=world.transport,
        service_clock=ServiceClock(world.clock),
    )
    with pytest.raises(RoleError, match=r"\(assumeRole.roleArn \(provider pb\)\)"):
        settings.credentials()
    assert stack_key("assume_role") == "alicloud:assumeRole"
