"""The role settings: validated at check like every input, read into the chain of roles
to assume, with the environment as the vendor's tools read it (pure: no STS call)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_eci_cache.cloud.roles import role_chain
from pulumi_eci_cache.errors import ConfigError
from pulumi_eci_cache.rules.config import ProviderConfig, check_config, stack_key

ROLE_B = "acs:ram::2222000000000000:role/builder"
ROLE_C = "acs:ram::3333000000000000:role/builder"
OIDC_PROVIDER = "acs:ram::2222000000000000:oidc-provider/github"


def explicit(name: str) -> str:
    """How the plugin names an explicit provider's setting."""
    from pydantic.alias_generators import to_camel

    return f"{to_camel(name)} (provider pb)"


def reasons(values: dict[str, object]) -> list[str]:
    config, failures = check_config(values)
    assert config is None
    return [f.reason for f in failures]


def test_assume_role_takes_the_plugins_snake_case_keys() -> None:
    config, failures = check_config(
        {"assume_role": {"role_arn": ROLE_B, "session_name": "s1"}}, explicit
    )
    assert failures == []
    assert config is not None and config.assume_role is not None
    assert config.assume_role.role_arn == ROLE_B


def test_assume_role_takes_pulumi_alicloud_camel_case_keys_as_json_text() -> None:
    config = ProviderConfig.from_stack_config(
        {"alicloud:assumeRole": f'{{"roleArn": "{ROLE_B}", "sessionExpiration": 7200}}'}
    )
    assert config.assume_role is not None
    assert config.assume_role.session_expiration == 7200


@pytest.mark.parametrize("seconds", [899, 43201])
def test_a_session_outside_900_to_43200_seconds_is_refused(seconds: int) -> None:
    [reason] = reasons({"assume_role": {"roleArn": ROLE_B, "sessionExpiration": seconds}})
    assert reason.startswith("alicloud:assumeRole.sessionExpiration")
    assert str(seconds) in reason and "900" in reason and "43200" in reason


def test_a_whole_float_session_is_the_number_a_person_wrote() -> None:
    config, _ = check_config({"assume_role": {"roleArn": ROLE_B, "sessionExpiration": 3600.0}})
    assert config is not None and config.assume_role is not None
    assert config.assume_role.session_expiration == 3600


def test_a_malformed_role_arn_is_refused_naming_the_setting() -> None:
    [reason] = reasons({"assume_role": {"roleArn": "arn:aws:iam::1:role/x"}})
    assert reason.startswith("alicloud:assumeRole.roleArn")
    assert "arn:aws:iam::1:role/x" in reason


def test_an_unknown_field_of_assume_role_is_refused() -> None:
    [reason] = reasons({"assume_role": {"roleArn": ROLE_B, "sesionName": "x"}})
    assert "sesionName" in reason


def test_a_session_policy_must_be_a_json_object() -> None:
    [reason] = reasons({"assume_role": {"roleArn": ROLE_B, "policy": "[1]"}})
    assert "policy" in reason and "JSON object" in reason


def test_the_oidc_token_is_never_shown_in_a_failure() -> None:
    failures = reasons(
        {
            "assume_role_with_oidc": {
                "roleArn": "not-an-arn",
                "oidcProviderArn": OIDC_PROVIDER,
                "oidcToken": "eyJhbGciOiJSUzI1NiJ9.very-secret-token.sig",
            }
        }
    )
    assert failures and not any("very-secret-token" in reason for reason in failures)


def test_the_sts_endpoint_is_a_setting_of_the_eci_cache_namespace() -> None:
    assert stack_key("sts_endpoint") == "eci-cache:stsEndpoint"
    assert stack_key("assume_role_with_oidc") == "alicloud:assumeRoleWithOidc"


@pytest.mark.parametrize(
    ("endpoint", "words"),
    [
        ("", "not empty"),
        ("ftp://127.0.0.1:8686", "http:// or https://"),
        ("http://127.0.0.1:notaport", "a port is a number"),
        ("http://127.0.0.1:8686/v1", "without a path"),
        ("http://bad host", "host"),
    ],
)
def test_an_endpoint_must_be_an_http_url_with_a_numeric_port(endpoint: str, words: str) -> None:
    [reason] = reasons({"sts_endpoint": endpoint})
    assert reason.startswith("eci-cache:stsEndpoint") and words in reason


def test_an_http_endpoint_such_as_the_emulators_is_allowed() -> None:
    config, failures = check_config({"sts_endpoint": "http://127.0.0.1:8686"})
    assert failures == [] and config is not None


# -- the chain of roles ---------------------------------------------------------------


def chain(values: dict[str, object], env: dict[str, str] | None = None) -> list:  # type: ignore[type-arg]
    config, failures = check_config(values)
    assert config is not None, failures
    return role_chain(config, env or {}, stack_key)


def test_no_role_setting_and_no_role_variable_assume_nothing() -> None:
    assert chain({}) == []


def test_assume_role_is_assumed_with_its_fields_and_defaults() -> None:
    [spec] = chain({"assume_role": {"roleArn": ROLE_B}})
    assert (spec.role_arn, spec.session_name, spec.duration, spec.oidc) == (
        ROLE_B,
        "pulumi-eci-cache",
        3600,
        False,
    )


def test_the_session_name_falls_back_to_the_vendors_variable() -> None:
    [spec] = chain({"assume_role": {"roleArn": ROLE_B}}, {"ALIBABA_CLOUD_ROLE_SESSION_NAME": "ci"})
    assert spec.session_name == "ci"


def test_a_role_variable_alone_is_assumed_with_the_base_credentials() -> None:
    [spec] = chain({}, {"ALIBABA_CLOUD_ROLE_ARN": ROLE_B})
    assert spec.role_arn == ROLE_B and not spec.oidc
    assert spec.named("roleArn") == "ALIBABA_CLOUD_ROLE_ARN"


def test_the_three_oidc_variables_make_an_oidc_role(tmp_path: Path) -> None:
    env = {
        "ALIBABA_CLOUD_ROLE_ARN": ROLE_B,
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": OIDC_PROVIDER,
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(tmp_path / "token"),
    }
    [spec] = chain({}, env)
    assert spec.oidc and spec.oidc_token_file == str(tmp_path / "token")


def test_assume_role_with_oidc_takes_its_token_file_from_the_environment(tmp_path: Path) -> None:
    oidc = {"roleArn": ROLE_B, "oidcProviderArn": OIDC_PROVIDER}
    [spec] = chain(
        {"assume_role_with_oidc": oidc},
        {"ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(tmp_path / "t")},
    )
    assert spec.oidc_token_file == str(tmp_path / "t")
    assert spec.named("oidcTokenFile") == "ALIBABA_CLOUD_OIDC_TOKEN_FILE"


def test_assume_role_with_oidc_without_any_token_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="alicloud:assumeRoleWithOidc has no OIDC token"):
        chain({"assume_role_with_oidc": {"roleArn": ROLE_B, "oidcProviderArn": OIDC_PROVIDER}})


def test_oidc_then_assume_role_is_a_chain_in_that_order() -> None:
    oidc = {"roleArn": ROLE_B, "oidcProviderArn": OIDC_PROVIDER, "oidcToken": "jwt"}
    first, second = chain({"assume_role_with_oidc": oidc, "assume_role": {"roleArn": ROLE_C}})
    assert (first.role_arn, first.oidc, second.role_arn, second.oidc) == (
        ROLE_B,
        True,
        ROLE_C,
        False,
    )


def test_an_explicit_providers_role_fields_are_named_as_its_properties() -> None:
    config, _ = check_config({"assume_role": {"roleArn": ROLE_B}}, explicit)
    assert config is not None
    [spec] = role_chain(config, {}, explicit)
    assert spec.named("roleArn") == "assumeRole.roleArn (provider pb)"


def test_the_oidc_token_is_not_in_the_specs_repr() -> None:
    oidc = {"roleArn": ROLE_B, "oidcProviderArn": OIDC_PROVIDER, "oidcToken": "jwt-secret"}
    [spec] = chain({"assume_role_with_oidc": oidc})
    assert "jwt-secret" not in repr(spec)
