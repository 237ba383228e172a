"""``ImageCache``: the resource users write in their Pulumi programs.

Argument names follow pulumi-alicloud's ``alicloud.eci.ImageCache`` wherever it has
the field, so a program moves over by changing the import. Registry credentials are
made secret here, on the way in, whether or not the user asked: a password must
never reach the state in plaintext.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from pulumi_eci_cache.lifecycle.preview_summary import PREVIEW_KEY, PROGRAM_GRACE
from pulumi_eci_cache.provider import ImageCacheProvider
from pulumi_eci_cache.rules.api import OUTPUT_FIELDS
from pulumi_eci_cache.rules.identity import (
    IDENTITY_KEY,
    MARKER_KEY,
    MARKER_VALUE,
    resource_identity,
)
from pulumi_eci_cache.rules.model import ImageCacheSpec
from pulumi_eci_cache.rules.secrets import secret_fields

__all__ = [
    "ImageCache",
    "ImageCacheAcrRegistryInfoArgs",
    "ImageCacheArgs",
    "ImageCacheAssumeRoleArgs",
    "ImageCacheImageRegistryCredentialArgs",
]

# Stored as secrets whatever the program marked (rules/secrets.py: declared once).
SECRET_INPUTS = sorted(secret_fields(ImageCacheSpec))
_summary_wait = threading.Lock()
_summary_waiting: list[bool] = []


def _wait_for_the_summary_at_exit() -> None:
    """In a preview, the program's exit waits ``PROGRAM_GRACE`` seconds, once.

    The dynamic provider says the change's snapshot summary once it has heard of no
    cache for ``QUIET`` seconds (lifecycle/preview_summary.py), from a thread, since
    the engine checks caches one after another and cannot be held up; the engine ends
    the preview soon after the program exits, and a line said after that is lost. The
    program's exit is the one moment that both comes after the last cache and holds
    the preview open, so it waits there.
    """
    with _summary_wait:
        if _summary_waiting:
            return
        _summary_waiting.append(True)
    atexit.register(time.sleep, PROGRAM_GRACE)


@dataclass
class ImageCacheImageRegistryCredentialArgs:
    """A private registry's login (``password`` is always stored as a secret)."""

    server: pulumi.Input[str]
    user_name: pulumi.Input[str]
    password: pulumi.Input[str]


@dataclass
class ImageCacheAcrRegistryInfoArgs:
    """An ACR Enterprise Edition instance to pull from without a password."""

    instance_id: pulumi.Input[str]
    instance_name: pulumi.Input[str] | None = None
    region_id: pulumi.Input[str] | None = None
    domains: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None


@dataclass
class ImageCacheAssumeRoleArgs:
    """A RAM role to build one cache as (pulumi-alicloud's ``assumeRole`` fields), assumed
    with the provider's credentials: caches in several accounts from one program."""

    role_arn: pulumi.Input[str]
    session_name: pulumi.Input[str] | None = None
    policy: pulumi.Input[str] | None = None
    session_expiration: pulumi.Input[int] | None = None
    external_id: pulumi.Input[str] | None = None


@dataclass
class ImageCacheArgs:
    """Every field of CreateImageCache. ``None`` means "the service's default".

    - ``image_cache_size`` GiB, 20..32768 (service default 20);
    - ``retention_days`` 1..65536 (default: never expires);
    - ``vswitch_id`` one id, or up to 10 comma-separated for several zones;
    - ``zone_id``, ``insecure_registries``, ``plain_http_registries`` cannot change in
      place: changing them replaces the cache (the new one is built first);
    - ``timeout`` how long create/update/delete may wait, e.g. ``"90m"`` (default ``"60m"``);
    - ``adopt_image_cache_id`` an existing cache (``"imc-..."``) to take over instead of
      creating one: brought to this spec if what Describe shows differs;
    - ``annotations`` a map sent as the cache's JSON ``Annotations`` (replaces on change);
    - ``region`` the region to build in (default: the stack's, ``alicloud:region``);
    - ``assume_role`` a RAM role to build the cache as, assumed with the stack's
      credentials (default: the stack's own, ``alicloud:assumeRole``): another account;
      changing it replaces the cache;
    - ``silence_advice`` the cost and failure advice previews do not show for this cache
      (``"no-retention"``, ``"flash"``, ``"public-registry"``, ``"size"``, ``"unused"``;
      the stack's ``eci-cache:silenceAdvice`` silences it for every cache).

    The fields are the input model's (rules/model.py), in its order; a test holds them
    together.
    """

    image_cache_name: pulumi.Input[str]
    images: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_id: pulumi.Input[str] | None = None
    vswitch_id: pulumi.Input[str] | None = None
    zone_id: pulumi.Input[str] | None = None
    eip_instance_id: pulumi.Input[str] | None = None
    image_cache_size: pulumi.Input[int] | None = None
    retention_days: pulumi.Input[int] | None = None
    resource_group_id: pulumi.Input[str] | None = None
    image_registry_credentials: (
        pulumi.Input[Sequence[pulumi.Input[ImageCacheImageRegistryCredentialArgs]]] | None
    ) = None
    acr_registry_infos: (
        pulumi.Input[Sequence[pulumi.Input[ImageCacheAcrRegistryInfoArgs]]] | None
    ) = None
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    auto_match_image_cache: pulumi.Input[bool] | None = None
    flash: pulumi.Input[bool] | None = None
    flash_copy_count: pulumi.Input[int] | None = None
    standard_copy_count: pulumi.Input[int] | None = None
    elimination_strategy: pulumi.Input[str] | None = None
    insecure_registries: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    plain_http_registries: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    timeout: pulumi.Input[str] | None = None
    adopt_image_cache_id: pulumi.Input[str] | None = None
    annotations: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    region: pulumi.Input[str] | None = None
    assume_role: ImageCacheAssumeRoleArgs | None = None
    silence_advice: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None


def _plain(value: Any) -> Any:
    """Nested Args dataclasses -> dicts the dynamic provider can carry."""
    if isinstance(
        value,
        (
            ImageCacheImageRegistryCredentialArgs,
            ImageCacheAcrRegistryInfoArgs,
            ImageCacheAssumeRoleArgs,
        ),
    ):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _identity(resource_name: str, opts: pulumi.ResourceOptions | None) -> str:
    """Names this resource among every cache of the account (for crash recovery; the
    provider adds who creates it, see identity.py).

    Two resources may share a name under different parents, so the parent's type and
    name are part of it (not its URN: an input depending on the parent's URN would
    make the child depend on its own parent).
    """
    name = resource_name
    parent = opts.parent if opts is not None else None
    if parent is not None:
        name = f"{parent.pulumi_resource_type}::{parent.pulumi_resource_name}/{name}"
    return resource_identity(
        pulumi.get_organization(), pulumi.get_project(), pulumi.get_stack(), name
    )


class ImageCache(Resource, module="eci", name="ImageCache"):
    """An ECI image cache, built and kept ``Ready`` by ``pulumi up``.

    Its outputs are rules/api.py's ``ImageCacheOutputs`` (a test holds the annotations
    below to them) plus every input.
    """

    image_cache_id: pulumi.Output[str]
    image_cache_name: pulumi.Output[str]
    images: pulumi.Output[list[str]]
    status: pulumi.Output[str]
    progress: pulumi.Output[str]
    snapshot_id: pulumi.Output[str]
    flash_snapshot_id: pulumi.Output[str]
    container_group_id: pulumi.Output[str]
    creation_time: pulumi.Output[str]
    expire_date_time: pulumi.Output[str]
    last_matched_time: pulumi.Output[str]
    region_id: pulumi.Output[str]
    events: pulumi.Output[list[dict[str, Any]]]
    account_id: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        args: ImageCacheArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        if args is None:
            args = ImageCacheArgs(**kwargs)
        elif kwargs:
            raise TypeError("pass either an ImageCacheArgs or keyword arguments, not both")
        props: dict[str, Any] = {
            f.name: _plain(getattr(args, f.name))
            for f in fields(args)
            if getattr(args, f.name) is not None
        }
        for name in SECRET_INPUTS:
            if name in props:
                props[name] = pulumi.Output.secret(props[name])
        props[IDENTITY_KEY] = _identity(resource_name, opts)
        if pulumi.runtime.is_dry_run():  # the provider gives its advice in previews only
            props[PREVIEW_KEY] = True
            _wait_for_the_summary_at_exit()
        # Policy packs see no `__` key: this marks the resource as ours for them.
        props[MARKER_KEY] = MARKER_VALUE
        for name in OUTPUT_FIELDS:
            props.setdefault(name, None)
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_INPUTS)
        )
        super().__init__(ImageCacheProvider(), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> ImageCache:
        """Look up an existing cache by its ``imc-...`` id; its outputs come from Describe."""
        cache = ImageCache.__new__(ImageCache)
        props: dict[str, Any] = {
            name: None for name in ("image_cache_name", "images", *OUTPUT_FIELDS)
        }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        Resource.__init__(cache, ImageCacheProvider(), resource_name, props, opts)
        return cache

    def pod_annotations(self) -> pulumi.Output[dict[str, str]]:
        """The pod annotation that pins a pod to this cache
        (``k8s.aliyun.com/eci-image-snapshot-id``), once its id is known."""
        from pulumi_eci_cache.rules.pods import pinned_annotations

        return self.image_cache_id.apply(pinned_annotations)
