"""What goes on the wire and what comes back: requests, outputs, and what refresh reads.

Everything here follows the one declaration of each field (``model.Api`` on the
inputs, ``Api`` on the outputs below): the CreateImageCache / UpdateImageCache
parameters of a spec (Contract 1 of docs/architecture.md, exactly as the user wrote
them), the outputs of a cache as DescribeImageCaches shows it, and the inputs a
refresh (or an import) reads back from it. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from .declaration import Api, api_of
from .identity import IDENTITY_TAG
from .images import same_images
from .model import INPUT_FIELDS, ImageCacheSpec
from .secrets import models_in, secret_fields
from .values import is_empty, timestamp

__all__ = [
    "DERIVED",
    "OUTPUT_FIELDS",
    "UPDATE_DEFAULTS",
    "CacheEvent",
    "ImageCacheOutputs",
    "create_request",
    "identity_tag_of",
    "live_inputs",
    "outputs_from_cache",
    "retention_of",
    "secret_values",
    "update_request",
]


class CacheEvent(BaseModel):
    """One event of a cache's build (a failed build's reasons are here)."""

    model_config = ConfigDict(frozen=True)

    name: Annotated[str | None, Api("Name")] = Field(
        default=None, description="What the event is about."
    )
    reason: Annotated[str | None, Api("Reason")] = Field(
        default=None, description="A short reason."
    )
    message: Annotated[str | None, Api("Message")] = Field(
        default=None, description="What happened."
    )
    type: Annotated[str | None, Api("Type")] = Field(
        default=None, description='"Normal" or "Warning".'
    )
    count: Annotated[int | None, Api("Count")] = Field(default=None, description="How many times.")
    first_timestamp: Annotated[str | None, Api("FirstTimestamp")] = Field(
        default=None, description="When it first happened (ISO 8601, UTC)."
    )
    last_timestamp: Annotated[str | None, Api("LastTimestamp")] = Field(
        default=None, description="When it last happened (ISO 8601, UTC)."
    )


class ImageCacheOutputs(BaseModel):
    """What DescribeImageCaches tells about a cache besides its inputs (the outputs)."""

    model_config = ConfigDict(frozen=True)

    image_cache_id: Annotated[str | None, Api("ImageCacheId")] = Field(
        default=None, description='The cache\'s id ("imc-..."), which pods name to use it.'
    )
    status: Annotated[str | None, Api("Status")] = Field(
        default=None, description="Preparing, Creating, Ready, Updating, UpdateFailed or Failed."
    )
    progress: Annotated[str | None, Api("Progress")] = Field(
        default=None, description='How far the build got, e.g. "45%".'
    )
    snapshot_id: Annotated[str | None, Api("SnapshotId")] = Field(
        default=None, description="The snapshot that holds the images."
    )
    flash_snapshot_id: Annotated[str | None, Api("FlashSnapshotId")] = Field(
        default=None, description="The instant (flash) snapshot, if any."
    )
    container_group_id: Annotated[str | None, Api("ContainerGroupId")] = Field(
        default=None, description="The instance that built the cache."
    )
    creation_time: Annotated[str | None, Api("CreationTime")] = Field(
        default=None, description="When the cache was created (ISO 8601, UTC)."
    )
    expire_date_time: Annotated[str | None, Api("ExpireDateTime")] = Field(
        default=None, description="When the cache expires (empty: never)."
    )
    last_matched_time: Annotated[str | None, Api("LastMatchedTime")] = Field(
        default=None, description="When an instance last used the cache."
    )
    region_id: Annotated[str | None, Api("RegionId")] = Field(
        default=None, description="The region the cache is in."
    )
    events: Annotated[list[CacheEvent] | None, Api("Events")] = Field(
        default=None, description="The build's events, most recent last."
    )
    account_id: Annotated[str | None, Api()] = Field(
        default=None,
        description="The account the cache is in, when the provider knows it (it acts as "
        "a role): a provider moved to another account leaves this cache alone.",
    )


OUTPUT_FIELDS: tuple[str, ...] = tuple(ImageCacheOutputs.model_fields)

_INPUTS = {name: api_of(info) for name, info in ImageCacheSpec.model_fields.items()}
# Sent on update when the user no longer sets the field (RetentionDays has no
# "never expires" value to send back: removing it keeps the current retention).
UPDATE_DEFAULTS: Mapping[str, Any] = {
    api.name: api.default for api in _INPUTS.values() if api.name and api.default is not None
}


# ---------------------------------------------------------------------------
# Requests


def _to_wire(value: Any, api: Api) -> Any:
    """One value as the API takes it (Contract 1), nested models by their own Api names."""
    if value is None:
        return None
    if api.wire == "comma":
        return ",".join(value)
    if api.wire == "tags":
        return [{"Key": k, "Value": v} for k, v in sorted(value.items())]
    if api.wire == "json":
        # Keys sorted: the engine carries maps without their order, so this is the one
        # spelling every run and every language gives.
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    if isinstance(value, BaseModel):
        entry = {}
        for name, info in type(value).model_fields.items():
            nested = api_of(info)
            wire = _to_wire(getattr(value, name), nested)
            if nested.name and not is_empty(wire):
                entry[nested.name] = wire
        return entry
    if isinstance(value, (list, tuple)):
        return [_to_wire(item, Api()) for item in value]
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value


def _with_identity(api: dict[str, Any], identity_tag: str | None) -> dict[str, Any]:
    tags = [t for t in api.get("Tags", []) if t["Key"] != IDENTITY_TAG]
    if identity_tag:
        tags.append({"Key": IDENTITY_TAG, "Value": identity_tag})
    if tags:
        api["Tags"] = tags
    return api


def create_request(spec: ImageCacheSpec, identity_tag: str | None = None) -> dict[str, Any]:
    """The CreateImageCache parameters (Contract 1), with the identity tag; empty values
    are left out, so the service applies its own defaults."""
    api: dict[str, Any] = {}
    for name, declared in _INPUTS.items():
        wire = _to_wire(getattr(spec, name), declared)
        if declared.name and not is_empty(wire):
            api[declared.name] = wire
    return _with_identity(api, identity_tag)


def update_request(spec: ImageCacheSpec, identity_tag: str | None = None) -> dict[str, Any]:
    """The full desired spec for UpdateImageCache: a field the user removed goes back to
    the API default; the fields UpdateImageCache cannot change are left out."""
    api = {**UPDATE_DEFAULTS, **create_request(spec, identity_tag)}
    for declared in _INPUTS.values():
        if declared.replace and declared.name:
            api.pop(declared.name, None)
    return api


def secret_values(request: Mapping[str, Any]) -> list[str]:
    """The secret values a request (Contract 1) carries, found by the declarations
    (rules/secrets.py): a registry login's password. They are scrubbed from messages."""
    found: list[str] = []

    def collect(value: Any, model: type[BaseModel]) -> None:
        entries = value if isinstance(value, (list, tuple)) else [value]
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            for name, info in model.model_fields.items():
                wire = entry.get(str(api_of(info).name))
                if wire is None or name not in secret_fields(model):
                    continue
                nested = next(iter(models_in(info.annotation)), None)
                if nested is None:
                    found.append(str(wire))
                else:
                    collect(wire, nested)

    collect(request, ImageCacheSpec)
    return found


def identity_tag_of(cache: Mapping[str, Any] | None) -> str | None:
    """The identity tag a cache bears (kept as it is when we update the cache)."""
    for tag in (cache or {}).get("Tags") or []:
        if tag.get("Key") == IDENTITY_TAG:
            return str(tag.get("Value"))
    return None


# ---------------------------------------------------------------------------
# What comes back


def outputs_from_cache(cache: Mapping[str, Any]) -> dict[str, Any]:
    """Everything Describe tells us about a cache, under output names."""
    outs: dict[str, Any] = {}
    for name, info in ImageCacheOutputs.model_fields.items():
        if api_of(info).name:  # the rest are the provider's own knowledge, not Describe's
            outs[name] = cache.get(str(api_of(info).name))
    event_fields = {name: str(api_of(info).name) for name, info in CacheEvent.model_fields.items()}
    outs["events"] = [
        {name: event[api] for name, api in event_fields.items() if event.get(api) is not None}
        for event in cache.get("Events") or []
    ]
    return outs


def _from_wire(value: Any, api: Api) -> Any:
    if api.wire == "tags":
        return {
            str(t.get("Key")): str(t.get("Value", ""))
            for t in value or []
            if t.get("Key") != IDENTITY_TAG
        }
    return value


DAY = 86400.0
# How far ExpireDateTime may sit from CreationTime + N days and still say "N days"
# (stamps are to the second or the minute).
_DAY_SLACK = 60.0


def retention_of(cache: Mapping[str, Any]) -> int | None:
    """The retention a cache was given, derived: Describe has no RetentionDays, but
    ``ExpireDateTime - CreationTime`` is that many whole days. None when the cache never
    expires, or the span is no whole number of days (an expiry the service set for
    another reason): then the stored value stands."""
    created, expires = timestamp(cache.get("CreationTime")), timestamp(cache.get("ExpireDateTime"))
    if created is None or expires is None or expires <= created:
        return None
    days = round((expires - created) / DAY)
    if days < 1 or abs(expires - created - days * DAY) > _DAY_SLACK:
        return None
    return days


# Inputs Describe does not return as such, but that follow from what it returns.
DERIVED: Mapping[str, Any] = {"retention_days": retention_of}


def live_inputs(cache: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """The stored inputs with every field Describe can see replaced by the live value.

    Write-only fields (zone, vSwitch, credentials, registries, annotations, ...) cannot
    be read back, so they keep their stored value: drift shows only on what the API
    returns, and on what follows from it (``DERIVED``: the retention). Images written
    another way but naming the same images keep their stored spelling.
    """
    inputs = {name: value for name, value in stored.items() if name in INPUT_FIELDS}
    for name, derive in DERIVED.items():
        derived = derive(cache)
        if derived is not None:
            inputs[name] = derived
    for name, declared in _INPUTS.items():
        if not declared.read_back or declared.name is None:
            continue
        live = _from_wire(cache.get(declared.name), declared)
        if name == "images":
            if not same_images(list(live or []), list(stored.get("images") or [])):
                inputs[name] = list(live or [])
        elif not is_empty(live) or not is_empty(stored.get(name)):
            inputs[name] = None if is_empty(live) else live
    return {k: v for k, v in inputs.items() if v is not None}
