"""Acting as exactly the principal configured, under the real CLI against the emulator.

The emulator has accounts, roles, an OIDC provider and STS on its port
(examples/yaml-accounts/emulator-iam.json): the base key (account 1000...) may assume
``builder`` in accounts 2222... and 3333...; ``ci`` in account 4444... trusts the OIDC
provider. Its call log names who signed every call, so a test sees which principal
acted, and in which account each cache is.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO_ROOT, PulumiCommandError, PulumiStack, ServedEmulator
from .live import live, wait_until

pytestmark = pytest.mark.e2e

IAM = REPO_ROOT / "examples" / "yaml-accounts" / "emulator-iam.json"
BASE = "acs:ram::1000000000000000:user/emulator"
ACCOUNT_B, ACCOUNT_C, ACCOUNT_CI = "2222000000000000", "3333000000000000", "4444000000000000"
ROLE_B = f"acs:ram::{ACCOUNT_B}:role/builder"
OIDC_PROVIDER = f"acs:ram::{ACCOUNT_CI}:oidc-provider/github"
ECI_ACTIONS = ("CreateImageCache", "DescribeImageCaches", "UpdateImageCache", "DeleteImageCache")


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"build_seconds": 1, "iam": str(IAM)}


def calls(emulator: ServedEmulator) -> dict[str, Any]:
    result: dict[str, Any] = emulator.get("calls")
    return result


def actions_signed_by(emulator: ServedEmulator, principal: str) -> set[str]:
    return set(calls(emulator)["by_principal"].get(principal, {}))


def eci_principals(emulator: ServedEmulator) -> set[str]:
    return {c["Principal"] for c in calls(emulator)["log"] if c["Action"] in ECI_ACTIONS}


def accounts_of_caches(emulator: ServedEmulator) -> dict[str, str]:
    return {c["ImageCacheId"]: c["AccountId"] for c in emulator.caches()}


def oidc_token_file(emulator: ServedEmulator, directory: Path, lifetime: int = 3600) -> Path:
    token = emulator.post(
        "oidc-token",
        {"provider": OIDC_PROVIDER, "subject": "repo:org/infra", "lifetime_seconds": lifetime},
    )["token"]
    path = directory / "oidc-token"
    path.write_text(token)
    return path


def yaml_accounts(pulumi_stack: Any, emulator: ServedEmulator, tmp_path: Path) -> PulumiStack:
    """examples/yaml-accounts as its header runs it (endpoints in the environment)."""
    token = oidc_token_file(emulator, tmp_path)
    return pulumi_stack(
        "examples/yaml-accounts",
        emulator=emulator,
        config={
            "ecicache:region": "cn-hangzhou",
            "oidcFile": str(token),
            "ecicache:pollFloorSeconds": "0.2",
            "ecicache:pollFirstSeconds": "0.2",
        },
        env={"ECI_CACHE_ENDPOINT": emulator.url, "ALIBABA_CLOUD_STS_ENDPOINT": emulator.url},
    )


def test_three_providers_build_each_cache_in_its_own_account(
    pulumi_stack: Any, served_emulator: ServedEmulator, tmp_path: Path
) -> None:
    stack = yaml_accounts(pulumi_stack, served_emulator, tmp_path)
    stack.up()
    outputs = stack.outputs()
    assert (outputs["accountB"], outputs["accountC"], outputs["accountCi"]) == (
        ACCOUNT_B,
        ACCOUNT_C,
        ACCOUNT_CI,
    )
    assert sorted(accounts_of_caches(served_emulator).values()) == [
        ACCOUNT_B,
        ACCOUNT_C,
        ACCOUNT_CI,
    ]
    # The base key signed the two AssumeRole calls, and nothing else.
    assert actions_signed_by(served_emulator, BASE) == {"AssumeRole"}
    assert eci_principals(served_emulator) == {
        f"acs:ram::{ACCOUNT_B}:assumed-role/builder/pulumi-eci-cache",
        f"acs:ram::{ACCOUNT_C}:assumed-role/builder/pulumi-eci-cache",
        f"acs:ram::{ACCOUNT_CI}:assumed-role/ci/github-actions",
    }


def test_the_exported_state_holds_no_key_token_or_session_secret(
    pulumi_stack: Any, served_emulator: ServedEmulator, tmp_path: Path
) -> None:
    stack = yaml_accounts(pulumi_stack, served_emulator, tmp_path)
    token = (tmp_path / "oidc-token").read_text()
    stack.config_set("ecicache:secretKey", served_emulator.access_key_secret, secret=True)
    stack.up()
    exported = stack.run("stack", "export", "--show-secrets=false").stdout
    secrets = [served_emulator.access_key_secret, token]
    # The sessions' key ids stand for their secrets and tokens (which the emulator never
    # shows): none of a session's credential reaches the state.
    for account in served_emulator.get("iam")["accounts"]:
        secrets += [temporary["id"] for temporary in account.get("temporary_keys", [])]
    assert len(secrets) > 2
    for secret in secrets:
        assert secret not in exported, "a secret is in the exported state in plaintext"


def test_a_python_program_with_alicloud_assume_role_builds_as_the_role(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = pulumi_stack(
        "examples/quickstart",
        config={
            "alicloud:assumeRole": f'{{"roleArn": "{ROLE_B}"}}',
            "eci-cache:stsEndpoint": served_emulator.url,
        },
    )
    stack.up()
    assert list(accounts_of_caches(served_emulator).values()) == [ACCOUNT_B]
    assert actions_signed_by(served_emulator, BASE) == {"AssumeRole"}
    stack.destroy()
    assert served_emulator.caches() == []
    assert actions_signed_by(served_emulator, BASE) == {"AssumeRole"}


def test_a_python_program_builds_into_two_accounts_with_each_caches_role(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    stack = pulumi_stack(
        "examples/accounts", env={"ALIBABA_CLOUD_STS_ENDPOINT": served_emulator.url}
    )
    stack.up()
    outputs = stack.outputs()
    assert (outputs["b"]["account"], outputs["c"]["account"]) == (ACCOUNT_B, ACCOUNT_C)
    assert sorted(accounts_of_caches(served_emulator).values()) == [ACCOUNT_B, ACCOUNT_C]
    assert actions_signed_by(served_emulator, BASE) == {"AssumeRole"}


def test_a_refused_role_fails_naming_its_arn_before_any_eci_call(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    locked = f"acs:ram::{ACCOUNT_B}:role/locked"
    served_emulator.post("roles", {"roles": [{"arn": locked, "trust": {"accounts": []}}]})
    stack = pulumi_stack(
        "examples/quickstart",
        config={
            "alicloud:assumeRole": f'{{"roleArn": "{locked}"}}',
            "eci-cache:stsEndpoint": served_emulator.url,
        },
    )
    started = time.monotonic()
    with pytest.raises(PulumiCommandError) as info:
        stack.up()
    took = time.monotonic() - started
    text = info.value.stdout + info.value.stderr
    assert f"cannot act as role {locked} (alicloud:assumeRole.roleArn)" in text
    assert "NoPermission" in text and "Traceback" not in text
    assert not any(calls(served_emulator)["calls"].get(a) for a in ECI_ACTIONS)
    assert took < 60, f"the refusal took {took:.0f}s"


def test_a_token_that_expires_during_a_build_is_renewed_and_the_build_ends_ready(
    pulumi_stack: Any, served_emulator: ServedEmulator
) -> None:
    served_emulator.post("config", {"hold_builds": True, "token_lifetime_seconds": 20})
    stack = pulumi_stack(
        "examples/quickstart",
        config={
            "alicloud:assumeRole": f'{{"roleArn": "{ROLE_B}"}}',
            "eci-cache:stsEndpoint": served_emulator.url,
            "eci-cache:pollFloorSeconds": "0.5",
            "eci-cache:pollCeilingSeconds": "1",
        },
    )
    with live(stack, "up", "--yes", "--skip-preview") as run:
        wait_until(lambda: bool(served_emulator.caches()), 120, "the create")
        time.sleep(2)  # a few polls with the first session
        served_emulator.post("clock", {"advance": 60})  # its 20 s are long over
        wait_until(
            lambda: (
                any(
                    c["Code"] == "InvalidSecurityToken.Expired"
                    for c in calls(served_emulator)["log"]
                )
                and calls(served_emulator)["calls"].get("AssumeRole", 0) >= 2
            ),
            60,
            "a renewal after the service refused the expired token",
        )
        served_emulator.post("builds/finish", {})
        assert run.wait(120) == 0, run.stdout + run.stderr
    [cache] = served_emulator.caches()
    assert cache["Status"] == "Ready" and cache["AccountId"] == ACCOUNT_B
    assert calls(served_emulator)["calls"]["CreateImageCache"] == 1


def test_a_provider_moved_to_another_account_leaves_its_caches_and_says_so(
    pulumi_stack: Any, served_emulator: ServedEmulator, tmp_path: Path
) -> None:
    stack = yaml_accounts(pulumi_stack, served_emulator, tmp_path)
    stack.up()
    [old] = [c for c in served_emulator.caches() if c["AccountId"] == ACCOUNT_B]
    stack.config_set("roleB", f"acs:ram::{ACCOUNT_C}:role/builder")
    shown = stack.preview("--diff")
    preview = shown.stdout + shown.stderr
    assert f"{old['ImageCacheId']} is left in account {ACCOUNT_B}, not deleted" in preview
    stack.up()
    caches = served_emulator.caches()
    assert old["ImageCacheId"] in {c["ImageCacheId"] for c in caches}  # untouched
    assert sorted(c["AccountId"] for c in caches) == [ACCOUNT_B, ACCOUNT_C, ACCOUNT_C, ACCOUNT_CI]
    deletes = [c for c in calls(served_emulator)["log"] if c["Action"] == "DeleteImageCache"]
    assert deletes == []
