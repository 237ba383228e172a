"""Where region, endpoint and access keys come from, and in which order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_eci_cache.cloud.credentials import CredentialChain
from pulumi_eci_cache.cloud.settings import normalise_endpoint, resolve_settings
from pulumi_eci_cache.errors import ConfigError
from pulumi_eci_cache.rules.config import ProviderConfig

cfg = ProviderConfig.from_stack_config

CONFIG_KEYS = {"alicloud:accessKey": "cfg-id", "alicloud:secretKey": "cfg-secret"}
NEW_ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "env-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"}
OLD_ENV = {"ALICLOUD_ACCESS_KEY": "old-id", "ALICLOUD_SECRET_KEY": "old-secret"}


def cli_profile_home(tmp_path: Path, name: str = "default", region: str = "cn-beijing") -> str:
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text(
        json.dumps(
            {
                "current": name,
                "profiles": [
                    {
                        "name": name,
                        "mode": "AK",
                        "access_key_id": "cli-id",
                        "access_key_secret": "cli-secret",
                        "region_id": region,
                    }
                ],
            }
        )
    )
    return str(tmp_path)


def empty_home(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path), "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "false"}


def test_stack_config_wins_over_the_environment(tmp_path: Path) -> None:
    env = {**empty_home(tmp_path), **NEW_ENV, **OLD_ENV}
    assert CredentialChain(cfg(CONFIG_KEYS), env)().access_key_id == "cfg-id"


def test_alibaba_cloud_variables_win_over_the_older_alicloud_ones(tmp_path: Path) -> None:
    env = {**empty_home(tmp_path), **NEW_ENV, **OLD_ENV}
    assert CredentialChain(cfg({}), env)().access_key_id == "env-id"


def test_older_alicloud_variables_are_still_honoured(tmp_path: Path) -> None:
    env = {**empty_home(tmp_path), **OLD_ENV}
    credential = CredentialChain(cfg({}), env)()
    assert (credential.access_key_id, credential.access_key_secret) == ("old-id", "old-secret")


def test_environment_wins_over_the_cli_profile(tmp_path: Path) -> None:
    env = {"HOME": cli_profile_home(tmp_path), **NEW_ENV}
    assert CredentialChain(cfg({}), env)().access_key_id == "env-id"


def test_the_aliyun_cli_profile_is_used_when_nothing_else_is_set(tmp_path: Path) -> None:
    env = {"HOME": cli_profile_home(tmp_path)}
    assert CredentialChain(cfg({}), env)().access_key_id == "cli-id"


def test_a_named_cli_profile_is_chosen_by_stack_config(tmp_path: Path) -> None:
    env = {"HOME": cli_profile_home(tmp_path, name="prod")}
    credential = CredentialChain(cfg({"alicloud:profile": "prod"}), env)()
    assert credential.access_key_id == "cli-id"


def test_an_sts_token_travels_with_its_key(tmp_path: Path) -> None:
    env = {**empty_home(tmp_path), **NEW_ENV, "ALIBABA_CLOUD_SECURITY_TOKEN": "tok"}
    assert CredentialChain(cfg({}), env)().security_token == "tok"


def test_stack_config_security_token_is_read(tmp_path: Path) -> None:
    config = {**CONFIG_KEYS, "alicloud:securityToken": "cfg-token"}
    assert CredentialChain(cfg(config), empty_home(tmp_path))().security_token == "cfg-token"


def test_half_an_access_key_is_an_error_naming_the_missing_half(tmp_path: Path) -> None:
    env = {**empty_home(tmp_path), "ALIBABA_CLOUD_ACCESS_KEY_ID": "env-id"}
    with pytest.raises(ConfigError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        CredentialChain(cfg({}), env)()


def test_half_an_access_key_in_the_settings_says_where_it_is_and_what_is_missing(
    tmp_path: Path,
) -> None:
    """The sentence reads for every source ("the provider's settings sets" did not)."""
    config = cfg({"alicloud:secretKey": "cfg-secret"})
    with pytest.raises(ConfigError) as info:
        CredentialChain(config, empty_home(tmp_path))()
    assert str(info.value) == (
        "only half an access key in the provider's settings: alicloud:accessKey is missing"
    )


def test_no_credentials_anywhere_says_how_to_set_them(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="alicloud:accessKey"):
        CredentialChain(cfg({}), empty_home(tmp_path))()


def test_the_secret_never_shows_in_a_credential_repr(tmp_path: Path) -> None:
    env = {**empty_home(tmp_path), **NEW_ENV, "ALIBABA_CLOUD_SECURITY_TOKEN": "tok-123"}
    text = repr(CredentialChain(cfg({}), env)())
    assert "env-secret" not in text and "tok-123" not in text


def test_region_from_stack_config_wins(tmp_path: Path) -> None:
    env = {**empty_home(tmp_path), "ALIBABA_CLOUD_REGION_ID": "cn-shanghai"}
    settings = resolve_settings(cfg({"alicloud:region": "cn-hangzhou"}), env)
    assert settings.region_id == "cn-hangzhou"


@pytest.mark.parametrize("variable", ["ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION"])
def test_region_from_the_environment(tmp_path: Path, variable: str) -> None:
    settings = resolve_settings(cfg({}), {**empty_home(tmp_path), variable: "cn-shanghai"})
    assert settings.region_id == "cn-shanghai"


def test_region_from_the_cli_profile(tmp_path: Path) -> None:
    settings = resolve_settings(cfg({}), {"HOME": cli_profile_home(tmp_path, region="cn-beijing")})
    assert settings.region_id == "cn-beijing"


def test_missing_region_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="alicloud:region"):
        resolve_settings(cfg({}), empty_home(tmp_path))


def test_endpoint_defaults_to_the_regional_https_endpoint(tmp_path: Path) -> None:
    settings = resolve_settings(cfg({"alicloud:region": "cn-hangzhou"}), empty_home(tmp_path))
    assert settings.endpoint == "https://eci.cn-hangzhou.aliyuncs.com"


def test_endpoint_from_stack_config_wins_over_the_environment(tmp_path: Path) -> None:
    env = {**empty_home(tmp_path), "ECI_CACHE_ENDPOINT": "http://127.0.0.1:9999"}
    config = {"alicloud:region": "cn-hangzhou", "eci-cache:endpoint": "http://127.0.0.1:8686"}
    assert resolve_settings(cfg(config), env).endpoint == "http://127.0.0.1:8686"


def test_endpoint_from_the_environment(tmp_path: Path) -> None:
    env = {**empty_home(tmp_path), "ECI_CACHE_ENDPOINT": "http://127.0.0.1:9999/"}
    assert (
        resolve_settings(cfg({"alicloud:region": "cn-x"}), env).endpoint == "http://127.0.0.1:9999"
    )


def test_an_endpoint_without_a_scheme_is_refused_not_guessed(tmp_path: Path) -> None:
    # https to a plain-HTTP endpoint would fail every call; say so at once instead.
    with pytest.raises(ConfigError, match=r"must start with http:// or https://"):
        resolve_settings(
            cfg({"alicloud:region": "cn-hangzhou", "eci-cache:endpoint": "127.0.0.1:8686"}),
            empty_home(tmp_path),
        )


def test_a_bad_endpoint_variable_is_refused_naming_it(tmp_path: Path) -> None:
    env = {**empty_home(tmp_path), "ECI_CACHE_ENDPOINT": "http://127.0.0.1:notaport"}
    with pytest.raises(ConfigError, match=r"environment variable ECI_CACHE_ENDPOINT = .*port"):
        resolve_settings(cfg({"alicloud:region": "cn-hangzhou"}), env)


def test_an_endpoint_loses_its_trailing_slash() -> None:
    assert normalise_endpoint(" https://eci-vpc.cn-hangzhou.aliyuncs.com/ ") == (
        "https://eci-vpc.cn-hangzhou.aliyuncs.com"
    )


def chain_types(config: dict[str, str], env: dict[str, str]) -> list[str]:
    from pulumi_eci_cache.cloud.credentials import _library_chain

    return [type(p).__name__ for p in _library_chain(cfg(config), env)]


def test_the_ecs_metadata_service_is_never_probed_unasked(tmp_path: Path) -> None:
    assert "EcsRamRoleCredentialsProvider" not in chain_types({}, empty_home(tmp_path))


def test_a_named_ecs_role_joins_the_chain_last(tmp_path: Path) -> None:
    types = chain_types({"alicloud:ecsRoleName": "eci-builder"}, empty_home(tmp_path))
    assert types[-1] == "EcsRamRoleCredentialsProvider"


def test_the_library_chain_order_is_cli_profile_then_credentials_file(tmp_path: Path) -> None:
    assert chain_types({}, empty_home(tmp_path))[:2] == [
        "CLIProfileCredentialsProvider",
        "ProfileCredentialsProvider",
    ]


def test_an_sts_profile_in_the_cli_config_yields_its_token(tmp_path: Path) -> None:
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text(
        json.dumps(
            {
                "current": "sts",
                "profiles": [
                    {
                        "name": "sts",
                        "mode": "StsToken",
                        "access_key_id": "STS.id",
                        "access_key_secret": "sts-secret",
                        "sts_token": "sts-token-value",
                        "region_id": "cn-hangzhou",
                    }
                ],
            }
        )
    )
    credential = CredentialChain(cfg({}), {"HOME": str(tmp_path)})()
    assert (credential.access_key_id, credential.security_token) == ("STS.id", "sts-token-value")
