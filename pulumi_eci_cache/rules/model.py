"""The ImageCache inputs: one declaration per field.

Each input is declared once, in ``ImageCacheSpec``: its type and native pydantic
constraints (``Field(ge=..., le=...)``, ``min_length``, ``pattern``, ``Literal``), a
description, and an ``Api`` annotation (declaration.py) that says where it goes in the
ECI API, whether UpdateImageCache can change it (else a change replaces the cache, and
why), the API's own default, whether DescribeImageCaches shows it, and in words the
part of its rule that the constraints cannot say. That one declaration feeds
validation (check.py), the diff rules (diff.py), the API request and the read-back
(api.py), the plugin's schema and the "allowed" sentence of every description and
message (wording_allowed.py). The rules of single values are validators.py's.

Numbers arrive from the engine as floats (protobuf ``Struct`` has only doubles), so the
integer inputs accept whole floats such as ``20.0`` but never booleans or strings.
Pure: no I/O.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    TypeAdapter,
)
from pydantic.fields import FieldInfo

from . import secrets
from .declaration import Api
from .roles import AssumeRole
from .validators import (
    CACHE_ID_PATTERN,
    MAX_ACR_INSTANCES,
    MAX_CREDENTIALS,
    MAX_IMAGES,
    MAX_TAGS,
    MAX_VSWITCHES,
    NAME_PATTERN,
    REGION_PATTERN,
    TAG_KEY_MAX,
    TAG_VALUE_MAX,
    WHOLE,
    ImageRef,
    NonEmptyStr,
    RegistryHost,
    annotation_map,
    count_of,
    credential_servers,
    image_list,
    parse_duration,
    password_given,
    registry_list,
    tag_map,
    timeout_text,
    vswitch_ids,
)

__all__ = [
    "ADAPTERS",
    "ADVICE_NAMES",
    "DEFAULT_TIMEOUT",
    "INPUT_FIELDS",
    "NESTED_MODELS",
    "REQUIRED_FIELDS",
    "AcrRegistryInfo",
    "AdviceName",
    "ImageCacheSpec",
    "RegistryCredential",
    "field_type",
]


DEFAULT_TIMEOUT = "60m"

# The advice a preview gives about a cache's cost and failures (advice.py), by the name
# that silences it: on the cache (``silence_advice``) or on the provider.
AdviceName = Literal["no-retention", "flash", "public-registry", "size", "unused"]
ADVICE_NAMES: tuple[str, ...] = get_args(AdviceName)


class RegistryCredential(BaseModel):
    """User name and password for one private registry (``ImageRegistryCredential.N``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server: Annotated[RegistryHost, Api("Server")] = Field(
        description='The registry address, host[:port] without a scheme, e.g. "r.example.com".'
    )
    user_name: Annotated[NonEmptyStr, Api("UserName")] = Field(
        description="The registry user name (not empty)."
    )
    password: Annotated[SecretStr, AfterValidator(password_given), Api("Password")] = Field(
        description="The registry password (a secret: never stored or shown in plaintext)."
    )


class AcrRegistryInfo(BaseModel):
    """An ACR Enterprise instance to pull from without a password (``AcrRegistryInfo.N``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instance_id: Annotated[NonEmptyStr, Api("InstanceId")] = Field(
        description='The ACR Enterprise instance id ("cri-...").'
    )
    instance_name: Annotated[str | None, Api("InstanceName")] = Field(
        default=None, description="The instance name."
    )
    region_id: Annotated[str | None, Api("RegionId")] = Field(
        default=None, description="The instance's region id."
    )
    domains: Annotated[list[RegistryHost] | None, Api("Domains")] = Field(
        default=None,
        description="The instance's custom domains (host[:port]); default: all of them.",
    )


@secrets.register
class ImageCacheSpec(BaseModel):
    """The validated inputs of one image cache (every field of CreateImageCache)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image_cache_name: Annotated[
        str,
        Field(min_length=2, max_length=128, pattern=NAME_PATTERN),
        Api(
            "ImageCacheName",
            read_back=True,
            rule='lowercase letters, digits and "-", starting and ending with a letter or digit',
        ),
    ] = Field(description="The image cache's name.")
    images: Annotated[
        list[ImageRef],
        BeforeValidator(image_list),
        Field(min_length=1, max_length=MAX_IMAGES),
        Api("Images", read_back=True, rule="each with a tag or a digest, each image once"),
    ] = Field(description="The container images to cache, as pods will name them.")
    security_group_id: Annotated[str | None, Api("SecurityGroupId")] = Field(
        default=None, description="The security group of the instance that builds the cache."
    )
    vswitch_id: Annotated[
        str | None,
        AfterValidator(vswitch_ids),
        Api("VSwitchId", rule=f'up to {MAX_VSWITCHES} vSwitch ids ("vsw-..."), comma-separated'),
    ] = Field(
        default=None,
        description="The vSwitch of the instance that builds the cache; several for several zones.",
    )
    zone_id: Annotated[
        str | None, Api("ZoneId", replace="the ECI API cannot move a cache to another zone")
    ] = Field(default=None, description="The zone to build the cache in.")
    eip_instance_id: Annotated[str | None, Api("EipInstanceId")] = Field(
        default=None,
        description="An elastic IP for pulling public images without a NAT gateway.",
    )
    image_cache_size: Annotated[
        Annotated[int, Field(ge=20, le=32768), WHOLE] | None,
        Api("ImageCacheSize", default=20, read_back=True, unit=" (GiB)"),
    ] = Field(default=None, description="The cache's size in GiB (the service's default: 20).")
    retention_days: Annotated[
        Annotated[int, Field(ge=1, le=65536), WHOLE] | None,
        Api("RetentionDays", unit=" (days)"),
    ] = Field(default=None, description="How many days the cache is kept (default: forever).")
    resource_group_id: Annotated[str | None, Api("ResourceGroupId", read_back=True)] = Field(
        default=None, description="The resource group of the cache."
    )
    image_registry_credentials: Annotated[
        Annotated[list[RegistryCredential], Field(max_length=MAX_CREDENTIALS)] | None,
        count_of("entries", MAX_CREDENTIALS),
        BeforeValidator(credential_servers),
        Api("ImageRegistryCredentials", rule="one per registry server"),
    ] = Field(default=None, description="Logins for private registries (always secret).")
    acr_registry_infos: Annotated[
        Annotated[list[AcrRegistryInfo], Field(max_length=MAX_ACR_INSTANCES)] | None,
        Api("AcrRegistryInfos"),
    ] = Field(
        default=None,
        description="ACR Enterprise instances to pull from without a password.",
    )
    tags: Annotated[
        Annotated[dict[str, str], Field(max_length=MAX_TAGS)] | None,
        count_of(
            "tags",
            MAX_TAGS,
            "the API takes 20 and pulumi-eci-cache keeps one for the tag that finds the "
            "cache after a crash",
        ),
        BeforeValidator(tag_map),
        Api(
            "Tags",
            wire="tags",
            read_back=True,
            rule=f"keys of 1 to {TAG_KEY_MAX} characters, not starting with "
            f'"aliyun", "acs:" or "pulumi-eci-cache-"; values of at most {TAG_VALUE_MAX}',
        ),
    ] = Field(default=None, description="Tags of the cache.")
    auto_match_image_cache: Annotated[
        StrictBool | None, Api("AutoMatchImageCache", default=False)
    ] = Field(default=None, description="Reuse layers of existing caches while building.")
    flash: Annotated[StrictBool | None, Api("Flash", default=False)] = Field(
        default=None, description="Build an instant (flash) snapshot first (extra fee)."
    )
    flash_copy_count: Annotated[
        Annotated[int, Field(ge=1), WHOLE] | None, Api("FlashCopyCount")
    ] = Field(default=None, description="How many flash snapshots to make.")
    standard_copy_count: Annotated[
        Annotated[int, Field(ge=1), WHOLE] | None, Api("StandardCopyCount")
    ] = Field(default=None, description="How many standard snapshots to make.")
    elimination_strategy: Annotated[
        Literal["", "LRU"] | None,
        Api(
            "EliminationStrategy",
            default="",
            read_back=True,
            rule='"" never evicts; "LRU" lets the service evict the least recently used first',
        ),
    ] = Field(default=None, description="Whether the service may evict the cache at its quota.")
    insecure_registries: Annotated[
        list[RegistryHost] | None,
        BeforeValidator(registry_list),
        Api(
            "InsecureRegistry",
            wire="comma",
            replace="the ECI API cannot change the insecure registries of an existing cache",
            rule="host[:port] without a scheme",
        ),
    ] = Field(default=None, description="Registries with self-signed certificates.")
    plain_http_registries: Annotated[
        list[RegistryHost] | None,
        BeforeValidator(registry_list),
        Api(
            "PlainHttpRegistry",
            wire="comma",
            replace="the ECI API cannot change the plain-HTTP registries of an existing cache",
            rule="host[:port] without a scheme",
        ),
    ] = Field(default=None, description="Registries that speak plain HTTP.")
    timeout: Annotated[
        str,
        AfterValidator(timeout_text),
        Api(rule='whole hours, minutes and seconds such as "90s", "10m" or "1h30m"'),
    ] = Field(
        default=DEFAULT_TIMEOUT,
        description="How long create, update and delete wait for the cache.",
    )
    adopt_image_cache_id: Annotated[
        str | None,
        Field(pattern=CACHE_ID_PATTERN),
        Api(rule='"imc-" followed by lowercase letters and digits'),
    ] = Field(
        default=None,
        description="An existing cache to take over instead of creating one (read only at create).",
    )
    annotations: Annotated[
        dict[str, str] | None,
        BeforeValidator(annotation_map),
        Api(
            "Annotations",
            wire="json",
            replace="the ECI API takes annotations only when it creates a cache",
            rule="Kubernetes annotation keys and string values",
        ),
    ] = Field(
        default=None,
        description="Annotations of the cache, sent as one JSON object (keys sorted).",
    )
    region: Annotated[
        str | None,
        Field(pattern=REGION_PATTERN),
        Api(
            replace="an image cache cannot move to another region",
            rule='a region id such as "cn-hangzhou"',
        ),
    ] = Field(
        default=None,
        description="The region to build the cache in (default: the provider's region).",
    )
    assume_role: Annotated[
        AssumeRole | None,
        Api(replace="an image cache cannot move to another account"),
    ] = Field(
        default=None,
        description="A RAM role to build and keep this cache as, assumed with the "
        "provider's credentials (default: the provider's own): caches in several "
        "accounts from one provider.",
    )

    silence_advice: Annotated[
        list[AdviceName] | None,
        Api(rule="names of the advice: " + ", ".join(f'"{n}"' for n in ADVICE_NAMES)),
    ] = Field(
        default=None,
        description="Cost and failure advice that previews do not show for this cache "
        '(e.g. ["no-retention"]); the provider has the same setting for all its caches.',
    )

    @property
    def timeout_seconds(self) -> int:
        return parse_duration(self.timeout)


INPUT_FIELDS: tuple[str, ...] = tuple(ImageCacheSpec.model_fields)
REQUIRED_FIELDS: tuple[str, ...] = tuple(
    name for name, info in ImageCacheSpec.model_fields.items() if info.is_required()
)
NESTED_MODELS: dict[str, type[BaseModel]] = {
    "image_registry_credentials": RegistryCredential,
    "acr_registry_infos": AcrRegistryInfo,
    "assume_role": AssumeRole,
}


def field_type(info: FieldInfo) -> Any:
    """A field's type with its constraints and validators, for a validator of its own."""
    if info.metadata:
        args = (info.annotation, *info.metadata)
        return cast(Any, Annotated)[args]
    return info.annotation


ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(field_type(info)) for name, info in ImageCacheSpec.model_fields.items()
}
