"""The plugin's schema says what the models say: every field, secret and replace rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic.alias_generators import to_camel

from pulumi_eci_cache.engine.plugin.schema import package_schema, schema_json, token
from pulumi_eci_cache.rules.api import OUTPUT_FIELDS, ImageCacheOutputs
from pulumi_eci_cache.rules.config import ProviderConfig
from pulumi_eci_cache.rules.declaration import api_of
from pulumi_eci_cache.rules.model import (
    INPUT_FIELDS,
    REQUIRED_FIELDS,
    AcrRegistryInfo,
    ImageCacheSpec,
    RegistryCredential,
)
from pulumi_eci_cache.rules.wording import describe

SCHEMA: dict[str, Any] = package_schema("1.2.3")
RESOURCE: dict[str, Any] = SCHEMA["resources"]["ecicache:index:ImageCache"]


def test_every_input_of_the_model_is_an_input_of_the_resource() -> None:
    assert list(RESOURCE["inputProperties"]) == [to_camel(name) for name in INPUT_FIELDS]
    assert RESOURCE["requiredInputs"] == [to_camel(name) for name in REQUIRED_FIELDS]


def test_every_output_and_input_is_a_property_of_the_resource() -> None:
    expected = [to_camel(name) for name in (*INPUT_FIELDS, *OUTPUT_FIELDS)]
    assert list(RESOURCE["properties"]) == expected


def test_descriptions_carry_the_rules_of_the_constraints() -> None:
    size = RESOURCE["inputProperties"]["imageCacheSize"]
    assert size == {"type": "integer", "description": describe("image_cache_size")}
    assert "from 20 to 32768" in size["description"]


def test_a_number_without_bounds_claims_none() -> None:
    """An event's count has no constraint: its description must not say "at most None"."""
    count = SCHEMA["types"][token("ImageCacheEvent")]["properties"]["count"]
    assert count == {"type": "integer", "description": "How many times."}


def test_fields_that_replace_the_cache_say_so() -> None:
    replacing = {
        to_camel(name) for name, info in ImageCacheSpec.model_fields.items() if api_of(info).replace
    }
    marked = {
        name
        for name, spec in RESOURCE["inputProperties"].items()
        if spec.get("willReplaceOnChanges")
    }
    assert (
        marked
        == replacing
        == {
            "zoneId",
            "insecureRegistries",
            "plainHttpRegistries",
            "annotations",
            "region",
            "assumeRole",
        }
    )


def test_registry_credentials_and_their_passwords_are_secret() -> None:
    assert RESOURCE["inputProperties"]["imageRegistryCredentials"]["secret"] is True
    credential = SCHEMA["types"][token("ImageCacheImageRegistryCredential")]
    assert credential["properties"]["password"]["secret"] is True
    assert list(credential["properties"]) == [to_camel(n) for n in RegistryCredential.model_fields]


def test_nested_inputs_are_object_types() -> None:
    acr = RESOURCE["inputProperties"]["acrRegistryInfos"]
    assert acr["items"] == {"$ref": f"#/types/{token('ImageCacheAcrRegistryInfo')}"}
    info = SCHEMA["types"][token("ImageCacheAcrRegistryInfo")]
    assert list(info["properties"]) == [to_camel(n) for n in AcrRegistryInfo.model_fields]
    assert info["required"] == ["instanceId"]


def test_maps_the_user_owns_are_maps_of_strings() -> None:
    for name in ("tags", "annotations"):
        spec = RESOURCE["inputProperties"][name]
        assert (spec["type"], spec["additionalProperties"]) == ("object", {"type": "string"})


def test_the_events_output_is_a_list_of_event_objects() -> None:
    events = RESOURCE["properties"]["events"]
    assert events["items"] == {"$ref": f"#/types/{token('ImageCacheEvent')}"}
    assert ImageCacheOutputs.model_fields["events"].description in events["description"]


def test_the_provider_takes_every_setting_with_its_secrets_marked() -> None:
    config = SCHEMA["provider"]["inputProperties"]
    assert list(config) == [to_camel(name) for name in ProviderConfig.model_fields]
    assert SCHEMA["config"]["variables"] == config
    secrets = {name for name, spec in config.items() if spec.get("secret")}
    assert secrets == {"secretKey", "securityToken", "assumeRoleWithOidc"}
    assert config["assumeRole"] == {
        "$ref": f"#/types/{token('ProviderAssumeRole')}",
        "description": config["assumeRole"]["description"],
    }


@pytest.mark.parametrize("name", ["getImageCaches", "rankImageCaches"])
def test_the_lookups_are_functions(name: str) -> None:
    function = SCHEMA["functions"][token(name)]
    assert function["inputs"]["properties"] and function["outputs"]["properties"]


def test_get_image_caches_takes_its_filters_and_returns_caches() -> None:
    function = SCHEMA["functions"][token("getImageCaches")]
    assert list(function["inputs"]["properties"]) == [
        "ids",
        "image",
        "imageCacheName",
        "nameRegex",
        "snapshotId",
        "status",
    ]
    cache = SCHEMA["types"][token("GetImageCachesCache")]
    assert {"imageCacheId", "status", "events"} <= set(cache["properties"])


def test_rank_image_caches_requires_the_pods_images() -> None:
    function = SCHEMA["functions"][token("rankImageCaches")]
    assert function["inputs"]["required"] == ["images"]
    assert function["outputs"]["properties"]["items"]["items"] == {
        "$ref": f"#/types/{token('ImageCacheMatch')}"
    }


def test_the_sdks_are_generated_with_the_schemas_version() -> None:
    """supportPack: the generators write the version (a TypeScript SDK's package.json would
    say "${VERSION}" otherwise, refused by the Node.js host) and a go.mod for the Go SDK."""
    assert SCHEMA["meta"]["supportPack"] is True


def test_every_reference_names_a_type_of_the_schema() -> None:
    text = schema_json("1.2.3")
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/types/')[1:]}
    assert refs and refs <= set(SCHEMA["types"])
    assert json.loads(text)["version"] == "1.2.3"


def test_the_oidc_token_is_secret_inside_assume_role_with_oidc() -> None:
    oidc = SCHEMA["types"][token("ProviderAssumeRoleWithOidc")]["properties"]
    assert oidc["oidcToken"].get("secret") is True
    assert not oidc["roleArn"].get("secret")


@pytest.mark.parametrize("name", ["getImageCaches", "rankImageCaches"])
def test_every_function_input_has_its_description(name: str) -> None:
    # Python 3.10 nests a None-defaulted parameter's Annotated inside Optional
    inputs = SCHEMA["functions"][token(name)]["inputs"]["properties"]
    assert [k for k, v in inputs.items() if not v.get("description")] == []
