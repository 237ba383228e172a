"""Accounts, roles, OIDC providers and STS at the emulator, in-process on a fake clock.

Every call goes over the wire through the respx mount, signed by aliyunsdkcore's own
V1 composer (``EmulatedEci.call``) or by ``signature_v3.sign``; AssumeRoleWithOIDC is
sent unsigned, as the service takes it. The setting: a CI user of account 2222 may
assume the role ``builder`` of account 3333 (so may tokens of the OIDC provider
``github`` of 3333); a user of account 4444 may not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_ACCOUNT_ID,
    EciBackend,
    EmulatedEci,
    FakeClock,
)
from pulumi_eci_cache.emulator.exceptions import NOT_AUTHORIZED
from pulumi_eci_cache.emulator.oidc_tokens import mint_token
from tests.test_emulator_http import error_code
from tests.test_emulator_signature_v3 import call as v3_call

STS = "2015-04-01"
BASE = "2222000000000000"
TARGET = "3333000000000000"
STRANGERS = "4444000000000000"
ROLE = f"acs:ram::{TARGET}:role/builder"
CI_USER = f"acs:ram::{BASE}:user/ci"
PROVIDER = f"acs:ram::{TARGET}:oidc-provider/github"
ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = "sts.aliyuncs.com"
SUBJECT = "repo:org/x:ref:refs/heads/main"
CI = ("ci-key", "ci-secret")
ROOT = ("root-key", "root-secret")
STRANGER = ("stranger-key", "stranger-secret")
CREATE = {"ImageCacheName": "web", "Image.1": "docker.io/library/nginx:1.25"}
NEW_YEAR = 1_798_761_600  # where the fixture's FakeClock starts: 2027-01-01T00:00:00Z


@dataclass(frozen=True)
class Credentials:
    """The temporary key of an Assume answer."""

    key_id: str
    secret: str
    token: str
    expiration: str

    @classmethod
    def of(cls, response: httpx.Response) -> Credentials:
        assert response.status_code == 200, response.text
        answer = response.json()["Credentials"]
        return cls(
            answer["AccessKeyId"],
            answer["AccessKeySecret"],
            answer["SecurityToken"],
            answer["Expiration"],
        )


@pytest.fixture
def emu(eci_emulator: EmulatedEci) -> EmulatedEci:
    backend = eci_emulator.backend
    backend.add_account(
        BASE,
        [
            {"id": CI[0], "secret": CI[1], "user": "ci"},
            {"id": ROOT[0], "secret": ROOT[1], "user": None},
        ],
    )
    backend.add_account(STRANGERS, [{"id": STRANGER[0], "secret": STRANGER[1], "user": "eve"}])
    backend.add_oidc_provider(PROVIDER, ISSUER, [AUDIENCE])
    backend.add_role(
        ROLE,
        trust={"principals": [CI_USER], "oidc_providers": [PROVIDER]},
        max_session_seconds=7200,
    )
    return eci_emulator


def sts(
    emu: EmulatedEci,
    action: str,
    params: dict[str, Any] | None = None,
    key: tuple[str, str] = CI,
    token: str | None = None,
) -> httpx.Response:
    """One STS call signed V1 with ``key`` (and its security ``token``)."""
    extra = {} if token is None else {"SecurityToken": token}
    return emu.call(action, {**(params or {}), **extra}, key_id=key[0], secret=key[1], version=STS)


def assume(emu: EmulatedEci, key: tuple[str, str] = CI, /, **params: Any) -> httpx.Response:
    return sts(emu, "AssumeRole", {"RoleArn": ROLE, "RoleSessionName": "deploy", **params}, key)


def signed_by(
    emu: EmulatedEci, creds: Credentials, action: str, params: dict[str, Any] | None = None
) -> httpx.Response:
    """An ECI call signed V1 with a temporary key."""
    return emu.call(
        action,
        {**(params or {}), "SecurityToken": creds.token},
        key_id=creds.key_id,
        secret=creds.secret,
    )


def unsigned(emu: EmulatedEci, action: str, params: dict[str, Any]) -> httpx.Response:
    """An STS call with no key at all (what AssumeRoleWithOIDC is)."""
    query = {"Action": action, "Version": STS, "Format": "JSON", **params}
    with httpx.Client(base_url=emu.base_url) as client:
        return client.get("/?" + urlencode(query))


def with_oidc(emu: EmulatedEci, token: str, **params: Any) -> httpx.Response:
    return unsigned(
        emu,
        "AssumeRoleWithOIDC",
        {"OIDCProviderArn": PROVIDER, "RoleArn": ROLE, "OIDCToken": token, **params},
    )


def jwt(iss: str = ISSUER, aud: Any = AUDIENCE, exp: float = NEW_YEAR + 600) -> str:
    return mint_token({"iss": iss, "aud": aud, "sub": SUBJECT, "exp": exp})


def admin(emu: EmulatedEci, path: str, body: Any = None) -> Any:
    with httpx.Client(base_url=emu.base_url) as client:
        if body is None:
            return client.get(f"/_emulator/{path}").json()
        return client.post(f"/_emulator/{path}", json=body).json()


# -- AssumeRole -----------------------------------------------------------------------


def test_assume_role_answers_a_temporary_key_of_the_assumed_role(emu: EmulatedEci) -> None:
    answer = assume(emu).json()
    assert answer["AssumedRoleUser"]["Arn"] == f"acs:ram::{TARGET}:assumed-role/builder/deploy"
    assert answer["AssumedRoleUser"]["AssumedRoleId"].endswith(":deploy")
    assert answer["Credentials"]["AccessKeyId"].startswith("STS.")
    assert answer["Credentials"]["Expiration"] == "2027-01-01T01:00:00Z"  # now + 3600


def test_temporary_key_creates_the_cache_in_the_roles_account(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    cache_id = signed_by(emu, creds, "CreateImageCache", CREATE).json()["ImageCacheId"]
    listed = admin(emu, "caches")["ImageCaches"]
    assert [(c["ImageCacheId"], c["AccountId"]) for c in listed] == [(cache_id, TARGET)]


def test_cache_of_the_roles_account_is_invisible_to_the_base_account(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    cache_id = signed_by(emu, creds, "CreateImageCache", CREATE).json()["ImageCacheId"]
    described = emu.call(
        "DescribeImageCaches", {"ImageCacheId": cache_id}, key_id=CI[0], secret=CI[1]
    )
    assert described.json()["TotalCount"] == 0
    deleted = emu.call("DeleteImageCache", {"ImageCacheId": cache_id}, key_id=CI[0], secret=CI[1])
    assert error_code(deleted) == (404, "InvalidImageCacheId.NotFound")


def test_the_roles_account_sees_its_own_cache(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    cache_id = signed_by(emu, creds, "CreateImageCache", CREATE).json()["ImageCacheId"]
    described = signed_by(emu, creds, "DescribeImageCaches", {"ImageCacheId": cache_id})
    assert [c["ImageCacheId"] for c in described.json()["ImageCaches"]] == [cache_id]


def test_an_untrusted_caller_gets_no_permission(emu: EmulatedEci) -> None:
    response = assume(emu, STRANGER)
    assert error_code(response) == (403, "NoPermission")
    assert response.json()["Message"] == NOT_AUTHORIZED


def test_an_accounts_root_key_may_not_assume_a_role(emu: EmulatedEci) -> None:
    # STS's documentation: "You cannot use an Alibaba Cloud account to call this operation."
    emu.backend.add_role(f"acs:ram::{TARGET}:role/open", trust={"accounts": [BASE]})
    response = assume(emu, ROOT, RoleArn=f"acs:ram::{TARGET}:role/open")
    assert error_code(response) == (403, "NoPermission")


@pytest.mark.parametrize(
    "trust",
    [{"accounts": [BASE]}, {"principals": [f"acs:ram::{BASE}:root"]}],
    ids=["account-id", "root-arn"],
)
def test_a_trusted_account_lets_any_of_its_users_assume(
    emu: EmulatedEci, trust: dict[str, list[str]]
) -> None:
    emu.backend.add_account(BASE, [{"id": "other-key", "secret": "s", "user": "someone"}])
    emu.backend.add_role(f"acs:ram::{TARGET}:role/open", trust=trust)
    response = assume(emu, ("other-key", "s"), RoleArn=f"acs:ram::{TARGET}:role/open")
    assert response.status_code == 200, response.text


def test_an_assumed_role_chains_into_a_role_that_trusts_it(emu: EmulatedEci) -> None:
    emu.backend.add_role(f"acs:ram::{STRANGERS}:role/next", trust={"principals": [ROLE]})
    creds = Credentials.of(assume(emu))
    chained = sts(
        emu,
        "AssumeRole",
        {"RoleArn": f"acs:ram::{STRANGERS}:role/next", "RoleSessionName": "hop"},
        (creds.key_id, creds.secret),
        creds.token,
    )
    assert chained.json()["AssumedRoleUser"]["Arn"] == (
        f"acs:ram::{STRANGERS}:assumed-role/next/hop"
    )


def test_an_unknown_role_is_entity_not_exist(emu: EmulatedEci) -> None:
    response = assume(emu, RoleArn=f"acs:ram::{TARGET}:role/nobody")
    assert error_code(response) == (404, "EntityNotExist.Role")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"RoleArn": "arn:aws:iam::1:role/x"}, "InvalidParameter.RoleArn"),
        ({"RoleArn": "acs:ram::1111:role/builder"}, "InvalidParameter.RoleArn"),
        ({"RoleSessionName": "a"}, "InvalidParameter.RoleSessionName"),
        ({"RoleSessionName": "x" * 65}, "InvalidParameter.RoleSessionName"),
        ({"RoleSessionName": "has space"}, "InvalidParameter.RoleSessionName"),
        ({"RoleArn": ""}, "MissingParameter.RoleArn"),
        ({"RoleSessionName": ""}, "MissingParameter.RoleSessionName"),
        ({"DurationSeconds": "899"}, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "43201"}, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "an hour"}, "InvalidParameter.DurationSeconds"),
        ({"Policy": "{not json"}, "InvalidParameter.PolicyGrammar"),
        ({"Policy": '["Statement"]'}, "InvalidParameter.PolicyGrammar"),
        ({"ExternalId": "x"}, "InvalidParameter.ExternalId"),
        ({"RoleName": "builder"}, "InvalidParameter.Unsupported"),
    ],
)
def test_assume_role_parameter_errors(emu: EmulatedEci, params: dict[str, str], code: str) -> None:
    assert error_code(assume(emu, **params)) == (400, code)


def test_a_policy_that_is_a_json_object_is_accepted(emu: EmulatedEci) -> None:
    policy = '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "eci:*"}]}'
    assert assume(emu, Policy=policy).status_code == 200


def test_duration_up_to_the_roles_maximum_is_granted(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu, DurationSeconds="7200"))
    assert creds.expiration == "2027-01-01T02:00:00Z"


def test_duration_beyond_the_roles_maximum_is_refused(emu: EmulatedEci) -> None:
    response = assume(emu, DurationSeconds="7201")
    assert error_code(response) == (400, "InvalidParameter.DurationSeconds")
    assert "7200" in response.json()["Message"]


@pytest.mark.parametrize(
    ("sent", "status"),
    [({}, 403), ({"ExternalId": "wrong-id"}, 403), ({"ExternalId": "abcd-1234"}, 200)],
    ids=["missing", "wrong", "right"],
)
def test_a_role_requiring_an_external_id_takes_only_that_one(
    emu: EmulatedEci, sent: dict[str, str], status: int
) -> None:
    emu.backend.add_role(
        f"acs:ram::{TARGET}:role/vendor", trust={"principals": [CI_USER]}, external_id="abcd-1234"
    )
    response = assume(emu, RoleArn=f"acs:ram::{TARGET}:role/vendor", **sent)
    code = "" if response.status_code == 200 else error_code(response)[1]
    assert (response.status_code, code) == (status, "" if status == 200 else "NoPermission")


def test_an_sts_error_has_the_services_shape_and_sts_host(emu: EmulatedEci) -> None:
    response = assume(emu, STRANGER)
    body = response.json()
    assert body["HostId"] == "sts.aliyuncs.com" and "product=Sts" in body["Recommend"]
    assert response.headers["Date"] == "Fri, 01 Jan 2027 00:00:00 GMT"


def test_an_action_sts_does_not_have_is_not_found(emu: EmulatedEci) -> None:
    assert error_code(sts(emu, "DescribeImageCaches")) == (404, "InvalidAction.NotFound")


def test_a_forced_fault_fails_assume_role_with_its_code(emu: EmulatedEci) -> None:
    emu.backend.faults.force("AssumeRole", code="Throttling.User", http_status=400)
    assert error_code(assume(emu)) == (400, "Throttling.User")
    assert assume(emu).status_code == 200


def test_a_dropped_assume_role_hangs_up(emu: EmulatedEci) -> None:
    emu.backend.faults.force("AssumeRole", kind="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        assume(emu)


def test_assume_role_signed_v3_is_answered(emu: EmulatedEci) -> None:
    params = {"RoleArn": ROLE, "RoleSessionName": "v3"}
    response = v3_call(emu, "AssumeRole", params, CI[0], CI[1], x_acs_version=STS)
    assert response.json()["AssumedRoleUser"]["Arn"].endswith("assumed-role/builder/v3")


# -- AssumeRoleWithOIDC ---------------------------------------------------------------


def test_oidc_token_is_exchanged_for_a_key_of_the_role_without_a_signature(
    emu: EmulatedEci,
) -> None:
    answer = with_oidc(emu, jwt(), RoleSessionName="gha").json()
    assert answer["AssumedRoleUser"]["Arn"] == f"acs:ram::{TARGET}:assumed-role/builder/gha"
    assert answer["OIDCTokenInfo"] == {"Subject": SUBJECT, "Issuer": ISSUER, "ClientIds": AUDIENCE}
    assert answer["Credentials"]["Expiration"] == "2027-01-01T01:00:00Z"


def test_oidc_key_creates_caches_in_the_roles_account(emu: EmulatedEci) -> None:
    creds = Credentials.of(with_oidc(emu, jwt()))
    signed_by(emu, creds, "CreateImageCache", CREATE)
    assert [c["AccountId"] for c in admin(emu, "caches")["ImageCaches"]] == [TARGET]


def test_oidc_without_a_session_name_gets_a_generated_one(emu: EmulatedEci) -> None:
    arn = with_oidc(emu, jwt()).json()["AssumedRoleUser"]["Arn"]
    assert arn.startswith(f"acs:ram::{TARGET}:assumed-role/builder/") and len(arn) > len(ROLE)


def test_an_audience_list_holding_a_client_id_is_accepted(emu: EmulatedEci) -> None:
    assert with_oidc(emu, jwt(aud=["other", AUDIENCE])).status_code == 200


def test_an_expired_oidc_token_is_refused(emu: EmulatedEci) -> None:
    response = with_oidc(emu, jwt(exp=NEW_YEAR))
    assert error_code(response) == (400, "AuthenticationFail.OIDCToken.Expired")
    assert response.json()["Message"] == "This JsonWebToken is expired."


def test_a_minted_token_expires_on_the_emulators_clock(emu: EmulatedEci) -> None:
    token = emu.backend.oidc_token(PROVIDER, SUBJECT, lifetime_seconds=600)
    emu.backend.advance_clock(600)
    assert error_code(with_oidc(emu, token))[1] == "AuthenticationFail.OIDCToken.Expired"


@pytest.mark.parametrize(
    "token",
    [
        jwt(aud="someone-else"),
        jwt(iss="https://gitlab.example.com"),
        "not-a-jwt",
        "a.b.c",
        mint_token({"iss": ISSUER, "aud": AUDIENCE, "sub": SUBJECT}),
    ],
    ids=["wrong-audience", "wrong-issuer", "not-three-parts", "not-json", "no-exp"],
)
def test_a_token_that_does_not_fit_the_provider_is_invalid(emu: EmulatedEci, token: str) -> None:
    assert error_code(with_oidc(emu, token)) == (400, "AuthenticationFail.OIDCToken.Invalid")


def test_an_unknown_oidc_provider_is_entity_not_exist(emu: EmulatedEci) -> None:
    response = with_oidc(emu, jwt(), OIDCProviderArn=f"acs:ram::{TARGET}:oidc-provider/none")
    assert error_code(response) == (404, "EntityNotExist.OIDCProvider")


def test_a_role_that_does_not_trust_the_provider_refuses_its_tokens(emu: EmulatedEci) -> None:
    emu.backend.add_role(f"acs:ram::{TARGET}:role/closed", trust={"principals": [CI_USER]})
    response = with_oidc(emu, jwt(), RoleArn=f"acs:ram::{TARGET}:role/closed")
    assert error_code(response) == (403, "NoPermission")


def test_oidc_parameters_are_required(emu: EmulatedEci) -> None:
    response = unsigned(emu, "AssumeRoleWithOIDC", {"OIDCProviderArn": PROVIDER, "RoleArn": ROLE})
    assert error_code(response) == (400, "MissingParameter.OIDCToken")


# -- GetCallerIdentity ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "identity"),
    [
        (CI, (BASE, CI_USER, "RAMUser")),
        (ROOT, (BASE, f"acs:ram::{BASE}:root", "Account")),
        (
            (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET),
            (DEFAULT_ACCOUNT_ID, f"acs:ram::{DEFAULT_ACCOUNT_ID}:user/emulator", "RAMUser"),
        ),
    ],
    ids=["user", "root", "default-key"],
)
def test_get_caller_identity_names_the_signer(
    emu: EmulatedEci, key: tuple[str, str], identity: tuple[str, str, str]
) -> None:
    answer = sts(emu, "GetCallerIdentity", key=key).json()
    assert (answer["AccountId"], answer["Arn"], answer["IdentityType"]) == identity
    assert answer["PrincipalId"] == answer["UserId"] and "RoleId" not in answer


def test_get_caller_identity_of_an_assumed_role(emu: EmulatedEci) -> None:
    assumed = assume(emu)
    creds = Credentials.of(assumed)
    key = (creds.key_id, creds.secret)
    answer = sts(emu, "GetCallerIdentity", key=key, token=creds.token).json()
    role_id = assumed.json()["AssumedRoleUser"]["AssumedRoleId"].split(":")[0]
    assert (answer["AccountId"], answer["IdentityType"], answer["RoleId"]) == (
        TARGET,
        "AssumedRoleUser",
        role_id,
    )
    assert answer["Arn"] == f"acs:ram::{TARGET}:assumed-role/builder/deploy"
    assert answer["PrincipalId"] == answer["UserId"] == f"{role_id}:deploy"


# -- expiry of temporary keys ---------------------------------------------------------


def test_a_temporary_key_works_until_its_expiration(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    emu.clock.advance(3599)
    assert signed_by(emu, creds, "DescribeImageCaches").status_code == 200


def test_an_expired_temporary_key_is_refused_by_eci(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    emu.clock.advance(3600)
    response = signed_by(emu, creds, "DescribeImageCaches")
    assert error_code(response) == (400, "InvalidSecurityToken.Expired")
    assert response.json()["Message"] == "Specified SecurityToken is expired."


def test_an_expired_temporary_key_is_refused_by_sts(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    emu.backend.advance_clock(3600)  # the admin clock counts too
    response = sts(emu, "GetCallerIdentity", key=(creds.key_id, creds.secret), token=creds.token)
    assert error_code(response) == (400, "InvalidSecurityToken.Expired")


def test_an_expired_temporary_key_is_refused_over_v3(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    emu.clock.advance(3600)
    response = v3_call(
        emu,
        "DescribeImageCaches",
        None,
        creds.key_id,
        creds.secret,
        x_acs_security_token=creds.token,
    )
    assert error_code(response) == (400, "InvalidSecurityToken.Expired")


def test_token_lifetime_seconds_makes_keys_expire_sooner(emu: EmulatedEci) -> None:
    emu.backend.token_lifetime_seconds = 20
    creds = Credentials.of(assume(emu, DurationSeconds="7200"))
    assert creds.expiration == "2027-01-01T00:00:20Z"
    emu.clock.advance(19)
    assert signed_by(emu, creds, "DescribeImageCaches").status_code == 200
    emu.clock.advance(1)
    assert error_code(signed_by(emu, creds, "DescribeImageCaches"))[1] == (
        "InvalidSecurityToken.Expired"
    )


def test_token_lifetime_seconds_applies_to_oidc_keys(emu: EmulatedEci) -> None:
    assert admin(emu, "config", {"token_lifetime_seconds": 20})["token_lifetime_seconds"] == 20
    assert Credentials.of(with_oidc(emu, jwt())).expiration == "2027-01-01T00:00:20Z"


def test_a_temporary_key_with_another_token_is_a_mismatch(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    other = Credentials.of(assume(emu))
    response = signed_by(
        emu, Credentials(creds.key_id, creds.secret, other.token, ""), "DescribeImageCaches"
    )
    assert error_code(response) == (400, "InvalidSecurityToken.Mismatch")


# -- who acted ------------------------------------------------------------------------


def test_the_calls_log_names_the_principal_of_each_call(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    signed_by(emu, creds, "CreateImageCache", CREATE)
    log = admin(emu, "calls")["log"]
    assert [
        (e["Product"], e["Action"], e["Principal"], e["AccountId"], e["Code"]) for e in log
    ] == [
        ("STS", "AssumeRole", CI_USER, BASE, ""),
        ("ECI", "CreateImageCache", f"acs:ram::{TARGET}:assumed-role/builder/deploy", TARGET, ""),
    ]
    assert [e["AccessKeyId"] for e in log] == [CI[0], creds.key_id]


def test_by_principal_shows_the_base_key_signed_nothing_but_assume_role(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    signed_by(emu, creds, "CreateImageCache", CREATE)
    signed_by(emu, creds, "DescribeImageCaches")
    by_principal = admin(emu, "calls")["by_principal"]
    assert by_principal == {
        CI_USER: {"AssumeRole": 1},
        f"acs:ram::{TARGET}:assumed-role/builder/deploy": {
            "CreateImageCache": 1,
            "DescribeImageCaches": 1,
        },
    }


def test_the_calls_log_holds_no_secret_and_no_token(emu: EmulatedEci) -> None:
    creds = Credentials.of(assume(emu))
    signed_by(emu, creds, "DescribeImageCaches")
    with_oidc(emu, jwt())
    text = json.dumps(admin(emu, "calls"))
    for secret in (CI[1], creds.secret, creds.token, jwt()):
        assert secret not in text


def test_the_calls_log_records_refusals_with_their_code(emu: EmulatedEci) -> None:
    assume(emu, STRANGER)
    emu.call("DescribeImageCaches", key_id="nobody")
    log = admin(emu, "calls")["log"]
    assert [(e["AccessKeyId"], e["Principal"], e["Code"]) for e in log] == [
        (STRANGER[0], f"acs:ram::{STRANGERS}:user/eve", "NoPermission"),
        ("nobody", None, "InvalidAccessKeyId.NotFound"),
    ]


def test_an_oidc_call_is_logged_unsigned_as_its_provider(emu: EmulatedEci) -> None:
    with_oidc(emu, jwt())
    (entry,) = admin(emu, "calls")["log"]
    assert (entry["AccessKeyId"], entry["Principal"], entry["AccountId"]) == (
        None,
        PROVIDER,
        TARGET,
    )


def test_reset_clears_the_calls_log(emu: EmulatedEci) -> None:
    assume(emu)
    admin(emu, "reset", {})
    assert admin(emu, "calls") == {"calls": {}, "log": [], "by_principal": {}}


# -- the backend in-process -----------------------------------------------------------


def test_in_process_caches_default_to_the_default_account() -> None:
    backend = EciBackend(clock=FakeClock())
    cache = backend.create_image_cache("cn-hangzhou", {"ImageCacheName": "a", "Images": ["n:1"]})
    assert cache.account_id == DEFAULT_ACCOUNT_ID
    assert backend.find("cn-hangzhou", cache.cache_id) is cache


def test_in_process_caches_of_another_account_are_apart() -> None:
    backend = EciBackend(clock=FakeClock())
    spec = {"ImageCacheName": "a", "Images": ["n:1"]}
    theirs = backend.create_image_cache("cn-hangzhou", spec, account_id=TARGET)
    assert backend.describe_image_caches("cn-hangzhou", {})[1] == 0
    assert backend.describe_image_caches("cn-hangzhou", {}, account_id=TARGET)[0] == [theirs]
    assert backend.all_caches() == [theirs] and backend.all_caches(DEFAULT_ACCOUNT_ID) == []


def test_a_client_token_is_per_account() -> None:
    backend = EciBackend(clock=FakeClock())
    spec = {"ImageCacheName": "a", "Images": ["n:1"], "ClientToken": "t"}
    ours = backend.create_image_cache("cn-hangzhou", spec)
    theirs = backend.create_image_cache("cn-hangzhou", spec, account_id=TARGET)
    assert ours.cache_id != theirs.cache_id


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda b: b.add_account("1111"), "account id"),
        (lambda b: b.add_role("acs:ram::1111:role/x"), "role ARN"),
        (lambda b: b.add_role(ROLE, trust={"principals": ["alice"]}), "trusted principal"),
        (lambda b: b.add_role(ROLE, trust={"accounts": BASE}), "a list"),
        (lambda b: b.add_role(ROLE, max_session_seconds=43201), "max_session_seconds"),
        (lambda b: b.add_oidc_provider(PROVIDER, "http://insecure", [AUDIENCE]), "issuer"),
        (lambda b: b.oidc_token(PROVIDER, SUBJECT, 60), "no OIDC provider"),
    ],
    ids=["short-account", "role-arn", "principal", "string-list", "max", "issuer", "provider"],
)
def test_iam_setup_mistakes_are_refused_at_once(setup: Any, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        setup(EciBackend(clock=FakeClock()))


# -- persistence ----------------------------------------------------------------------


def test_state_round_trip_keeps_accounts_roles_providers_and_temporary_keys(
    emu: EmulatedEci,
) -> None:
    creds = Credentials.of(assume(emu))
    cache_id = signed_by(emu, creds, "CreateImageCache", CREATE).json()["ImageCacheId"]
    copy = EciBackend(clock=emu.clock)
    copy.load_state(json.loads(json.dumps(emu.backend.to_state())))
    assert copy.iam.to_json() == emu.backend.iam.to_json()
    assert copy.find("cn-hangzhou", cache_id, account_id=TARGET).account_id == TARGET
    assert copy.access_keys[creds.key_id] == emu.backend.access_keys[creds.key_id]


def test_a_state_from_before_accounts_loads_into_the_default_account() -> None:
    old = EciBackend(clock=FakeClock())
    cache = old.create_image_cache(
        "cn-hangzhou", {"ImageCacheName": "a", "Images": ["n:1"], "ClientToken": "t/1"}
    )
    state = old.to_state()
    state["regions"] = {"cn-hangzhou": state.pop("caches")}
    for fields in state["regions"]["cn-hangzhou"]:
        del fields["account_id"]
    state["client_tokens"] = {
        key.split("/", 1)[1]: seen for key, seen in state["client_tokens"].items()
    }
    del state["iam"]
    copy = EciBackend(clock=FakeClock())
    copy.load_state(state)
    assert copy.find("cn-hangzhou", cache.cache_id).account_id == DEFAULT_ACCOUNT_ID
    again = copy.create_image_cache(
        "cn-hangzhou", {"ImageCacheName": "a", "Images": ["n:1"], "ClientToken": "t/1"}
    )
    assert again.cache_id == cache.cache_id


def test_a_loaded_state_does_not_override_a_key_configured_already() -> None:
    old = EciBackend(clock=FakeClock())
    state = old.to_state()
    copy = EciBackend(clock=FakeClock())
    copy.access_keys.clear()
    copy.add_access_key(DEFAULT_ACCESS_KEY_ID, "a-new-secret", user="emulator")
    copy.load_state(state)
    assert copy.access_keys[DEFAULT_ACCESS_KEY_ID].secret == "a-new-secret"
