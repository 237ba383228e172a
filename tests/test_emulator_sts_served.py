"""STS at the served emulator: the vendor's clients, the admin routes, the state file, the CLI.

The legacy ``AcsClient`` (V1, ``CommonRequest`` for STS, ``StsTokenCredential`` for
the key it hands out) and the current SDK (V3, ``alibabacloud_tea_openapi``'s generic
``call_api``, anonymous for AssumeRoleWithOIDC) talk to a real socket, as they would to
sts.aliyuncs.com and eci.<region>.aliyuncs.com; the IAM they rely on is set up over
the admin API or the command line only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from alibabacloud_eci20180808 import models as eci_models
from alibabacloud_eci20180808.client import Client as EciSdkClient
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_openapi.utils_models import OpenApiRequest, Params
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkeci.request.v20180808.CreateImageCacheRequest import CreateImageCacheRequest
from darabonba.runtime import RuntimeOptions

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EmulatorServer,
)
from pulumi_eci_cache.emulator.mock import signed_path

REGION = "cn-hangzhou"
BASE = "2222000000000000"
TARGET = "3333000000000000"
ROLE = f"acs:ram::{TARGET}:role/builder"
PROVIDER = f"acs:ram::{TARGET}:oidc-provider/github"
ISSUER = "https://token.actions.githubusercontent.com"
NGINX = "docker.io/library/nginx:1.25"
ISO = "%Y-%m-%dT%H:%M:%SZ"
IAM: dict[str, Any] = {
    "accounts": [
        {"id": BASE, "access_keys": [{"id": "ci-key", "secret": "ci-secret", "user": "ci"}]}
    ],
    "roles": [
        {
            "arn": ROLE,
            "trust": {"principals": [f"acs:ram::{BASE}:user/ci"], "oidc_providers": [PROVIDER]},
            "max_session_seconds": 7200,
            "external_id": None,
        }
    ],
    "providers": [{"arn": PROVIDER, "issuer": ISSUER, "client_ids": ["sts.aliyuncs.com"]}],
}


def admin(server: EmulatorServer, path: str, body: Any = None) -> httpx.Response:
    if body is None:
        return httpx.get(f"{server.url}/_emulator/{path}")
    return httpx.post(f"{server.url}/_emulator/{path}", json=body)


@pytest.fixture
def served() -> Iterator[EmulatorServer]:
    """A served emulator whose IAM was set up over the admin API alone."""
    with EmulatorServer(build_seconds=0) as server:
        for path, part in (("accounts", "accounts"), ("oidc-providers", "providers")):
            assert admin(server, path, {part: IAM[part]}).status_code == 200
        assert admin(server, "roles", {"roles": IAM["roles"]}).status_code == 200
        yield server


def legacy_sts(server: EmulatorServer, client: AcsClient, action: str, **params: str) -> Any:
    request = CommonRequest(domain=f"127.0.0.1:{server.port}", version="2015-04-01")
    request.set_action_name(action)
    request.set_protocol_type("http")
    request.set_method("POST")
    for name, value in params.items():
        request.add_query_param(name, value)
    return json.loads(client.do_action_with_exception(request))


def legacy_create(server: EmulatorServer, client: AcsClient) -> str:
    request = CreateImageCacheRequest()
    request.set_endpoint(f"127.0.0.1:{server.port}")
    request.set_protocol_type("http")
    request.set_ImageCacheName("from-a-role")
    request.set_Images([NGINX])
    cache_id: str = json.loads(client.do_action_with_exception(request))["ImageCacheId"]
    return cache_id


def openapi(server: EmulatorServer, key_id: str | None = None, secret: str | None = None) -> Any:
    return OpenApiClient(
        Config(
            access_key_id=key_id,
            access_key_secret=secret,
            endpoint=f"127.0.0.1:{server.port}",
            protocol="http",
            region_id=REGION,
        )
    )


def openapi_sts(client: Any, action: str, query: dict[str, str], anonymous: bool = False) -> Any:
    params = Params(
        action=action,
        version="2015-04-01",
        protocol="HTTP",
        pathname="/",
        method="POST",
        auth_type="Anonymous" if anonymous else "AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    return client.call_api(params, OpenApiRequest(query=query), RuntimeOptions())["body"]


def test_admin_routes_set_up_iam_and_the_view_shows_no_secret(served: EmulatorServer) -> None:
    view = admin(served, "iam").json()
    base = next(a for a in view["accounts"] if a["id"] == BASE)
    assert base["access_keys"] == [{"id": "ci-key", "user": "ci"}]
    assert [r["arn"] for r in view["roles"]] == [ROLE] and view["providers"][0]["issuer"] == ISSUER
    assert "ci-secret" not in json.dumps(view) and "secret" not in json.dumps(view)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("roles", {"roles": [{"arn": "acs:ram::1:role/x"}]}),
        ("roles", {}),
        ("accounts", {"accounts": [{"id": "22"}]}),
        ("oidc-providers", {"providers": [{"arn": PROVIDER, "issuer": ISSUER}]}),
        ("oidc-token", {"provider": "acs:ram::3333000000000000:oidc-provider/none"}),
        ("config", {"token_lifetime_seconds": -1}),
    ],
    ids=["bad-arn", "no-roles", "bad-account", "no-client-ids", "unknown-provider", "negative"],
)
def test_admin_iam_mistakes_are_400(served: EmulatorServer, path: str, body: Any) -> None:
    assert admin(served, path, body).status_code == 400


def test_legacy_client_assumes_a_role_and_creates_a_cache_in_its_account(
    served: EmulatorServer,
) -> None:
    ci = AcsClient("ci-key", "ci-secret", REGION)
    creds = legacy_sts(served, ci, "AssumeRole", RoleArn=ROLE, RoleSessionName="legacy")
    key = creds["Credentials"]
    role_client = AcsClient(
        region_id=REGION,
        credential=StsTokenCredential(
            key["AccessKeyId"], key["AccessKeySecret"], key["SecurityToken"]
        ),
    )
    cache_id = legacy_create(served, role_client)
    caches = admin(served, "caches").json()["ImageCaches"]
    assert [(c["ImageCacheId"], c["AccountId"]) for c in caches] == [(cache_id, TARGET)]


def test_legacy_client_gets_its_callers_identity(served: EmulatorServer) -> None:
    ci = AcsClient("ci-key", "ci-secret", REGION)
    identity = legacy_sts(served, ci, "GetCallerIdentity")
    assert (identity["AccountId"], identity["Arn"], identity["IdentityType"]) == (
        BASE,
        f"acs:ram::{BASE}:user/ci",
        "RAMUser",
    )


def test_legacy_client_gets_no_permission_for_an_untrusted_role(served: EmulatorServer) -> None:
    stranger = AcsClient(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, REGION)
    with pytest.raises(ServerException) as caught:
        legacy_sts(served, stranger, "AssumeRole", RoleArn=ROLE, RoleSessionName="nope")
    assert (caught.value.get_http_status(), caught.value.get_error_code()) == (403, "NoPermission")


def test_current_sdk_assumes_a_role_over_v3_and_its_key_works_for_eci(
    served: EmulatorServer,
) -> None:
    answer = openapi_sts(
        openapi(served, "ci-key", "ci-secret"),
        "AssumeRole",
        {"RoleArn": ROLE, "RoleSessionName": "current", "DurationSeconds": "7200"},
    )
    key = answer["Credentials"]
    eci = EciSdkClient(
        Config(
            access_key_id=key["AccessKeyId"],
            access_key_secret=key["AccessKeySecret"],
            security_token=key["SecurityToken"],
            endpoint=f"127.0.0.1:{served.port}",
            protocol="http",
            region_id=REGION,
        )
    )
    request = eci_models.CreateImageCacheRequest(
        region_id=REGION, image_cache_name="v3-role", image=[NGINX]
    )
    eci.create_image_cache(request)
    log = admin(served, "calls").json()["log"]
    assert [(e["Action"], e["Principal"]) for e in log] == [
        ("AssumeRole", f"acs:ram::{BASE}:user/ci"),
        ("CreateImageCache", f"acs:ram::{TARGET}:assumed-role/builder/current"),
    ]


def test_current_sdk_exchanges_an_admin_minted_oidc_token_anonymously(
    served: EmulatorServer,
) -> None:
    token = admin(
        served,
        "oidc-token",
        {
            "provider": PROVIDER,
            "subject": "repo:org/x:ref:refs/heads/main",
            "lifetime_seconds": 600,
        },
    ).json()["token"]
    answer = openapi_sts(
        openapi(served),
        "AssumeRoleWithOIDC",
        {"OIDCProviderArn": PROVIDER, "RoleArn": ROLE, "OIDCToken": token},
        anonymous=True,
    )
    assert answer["OIDCTokenInfo"]["Subject"] == "repo:org/x:ref:refs/heads/main"
    assert answer["AssumedRoleUser"]["Arn"].startswith(f"acs:ram::{TARGET}:assumed-role/builder/")


def test_a_key_expires_after_the_configured_lifetime_on_the_admin_clock(
    served: EmulatorServer,
) -> None:
    admin(served, "config", {"token_lifetime_seconds": 20})
    ci = AcsClient("ci-key", "ci-secret", REGION)
    key = legacy_sts(served, ci, "AssumeRole", RoleArn=ROLE, RoleSessionName="short")["Credentials"]
    role_client = AcsClient(
        region_id=REGION,
        credential=StsTokenCredential(
            key["AccessKeyId"], key["AccessKeySecret"], key["SecurityToken"]
        ),
    )
    admin(served, "clock", {"advance": 20})
    with pytest.raises(ServerException) as caught:
        legacy_create(served, role_client)
    assert caught.value.get_error_code() == "InvalidSecurityToken.Expired"


def test_the_state_file_keeps_iam_and_temporary_keys_across_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(build_seconds=0, state_file=state) as first:
        admin(first, "accounts", {"accounts": IAM["accounts"]})
        admin(first, "roles", {"roles": IAM["roles"]})
        ci = AcsClient("ci-key", "ci-secret", REGION)
        key = legacy_sts(first, ci, "AssumeRole", RoleArn=ROLE, RoleSessionName="kept")
    with EmulatorServer(build_seconds=0, state_file=state) as second:
        credentials = key["Credentials"]
        path = signed_path(
            "GetCallerIdentity",
            {"SecurityToken": credentials["SecurityToken"]},
            credentials["AccessKeyId"],
            credentials["AccessKeySecret"],
            version="2015-04-01",
        )
        assert httpx.get(second.url + path).json()["Arn"].endswith("assumed-role/builder/kept")


# -- the command line -----------------------------------------------------------------


def run_cli(tmp_path: Path, *flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pulumi_eci_cache.emulator",
            "--port",
            "0",
            "--state",
            str(tmp_path / "state.json"),
            *flags,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_iam_file_account_id_and_token_lifetime(tmp_path: Path) -> None:
    iam_file = tmp_path / "iam.json"
    iam_file.write_text(json.dumps(IAM))
    process = run_cli(
        tmp_path,
        "--iam",
        str(iam_file),
        "--account-id",
        "5555000000000000",
        "--token-lifetime",
        "30",
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().rsplit(" ", 1)[1]
        me = httpx.get(url + signed_path("GetCallerIdentity", {}, version="2015-04-01")).json()
        assert me["Arn"] == "acs:ram::5555000000000000:user/emulator"
        assume = signed_path(
            "AssumeRole",
            {"RoleArn": ROLE, "RoleSessionName": "cli"},
            "ci-key",
            "ci-secret",
            version="2015-04-01",
        )
        answer = httpx.get(url + assume)
        expiration = datetime.strptime(answer.json()["Credentials"]["Expiration"], ISO)
        issued = parsedate_to_datetime(answer.headers["Date"])
        assert expiration.replace(tzinfo=timezone.utc) - issued == timedelta(seconds=30)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_refuses_an_iam_file_it_cannot_use(tmp_path: Path) -> None:
    iam_file = tmp_path / "iam.json"
    iam_file.write_text(json.dumps({"roles": [{"arn": "not-an-arn"}]}))
    process = run_cli(tmp_path, "--iam", str(iam_file))
    _, stderr = process.communicate(timeout=30)
    assert process.returncode != 0 and "--iam" in stderr and "role ARN" in stderr


def test_cli_refuses_an_account_id_that_is_not_16_digits(tmp_path: Path) -> None:
    process = run_cli(tmp_path, "--account-id", "1234")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2 and "16-digit" in stderr


def test_cli_help_documents_the_iam_flags() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_eci_cache.emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    for text in ("--iam FILE", "--token-lifetime SECONDS", "--account-id", "1000000000000000"):
        assert text in result.stdout
