"""Finding caches from a Pulumi program: ``get_image_caches`` and the auto-match prediction.

The lookups themselves are lifecycle/lookups.py's (the plugin serves the same ones as
its functions); here they get the program's client. They run in the PROGRAM process,
not in the provider, and during ``pulumi preview`` too: they call
DescribeImageCaches, so they need credentials at preview time. They resolve region,
credentials and endpoint exactly as the provider does (``settings.resolve_settings``),
from the stack's ``alicloud:*`` and ``eci-cache:*`` config (read through Pulumi's
runtime config) and the environment. ``client=`` (an ``EciClient``) is for tests.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

import pulumi
from pulumi.runtime import config as runtime_config

from pulumi_eci_cache.cloud.client import EciClient
from pulumi_eci_cache.cloud.settings import Settings, resolve_settings
from pulumi_eci_cache.lifecycle import lookups
from pulumi_eci_cache.lifecycle.lookups import (
    GetImageCachesCacheEventResult,
    GetImageCachesCacheResult,
    GetImageCachesResult,
)
from pulumi_eci_cache.rules.config import ProviderConfig

__all__ = [
    "GetImageCachesCacheEventResult",
    "GetImageCachesCacheResult",
    "GetImageCachesResult",
    "find_image_cache",
    "get_image_caches",
    "get_image_caches_output",
    "program_settings",
    "rank_image_caches",
]

P = ParamSpec("P")
T = TypeVar("T")


def program_settings() -> Settings:
    """Region, credentials and endpoint for a call made from the Pulumi program: the
    stack's ``alicloud:*`` / ``eci-cache:*`` config, then the environment."""
    stack_config = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return resolve_settings(ProviderConfig.from_stack_config(stack_config))


def _with_program_client(lookup: Callable[Concatenate[EciClient, P], T]) -> Callable[P, T]:
    """``lookup`` called with the program's own client (its stack's settings)."""

    @functools.wraps(lookup)
    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        with EciClient(program_settings()) as eci:
            return lookup(eci, *args, **kwargs)

    signature = inspect.signature(lookup)
    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=list(signature.parameters.values())[1:]
    )
    return call


get_image_caches = _with_program_client(lookups.get_image_caches)
rank_image_caches = _with_program_client(lookups.rank_image_caches)
find_image_cache = _with_program_client(lookups.find_image_cache)


def get_image_caches_output(
    ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
    image: pulumi.Input[str] | None = None,
    image_cache_name: pulumi.Input[str] | None = None,
    name_regex: pulumi.Input[str] | None = None,
    snapshot_id: pulumi.Input[str] | None = None,
    status: pulumi.Input[str] | None = None,
    *,
    client: EciClient | None = None,
) -> pulumi.Output[GetImageCachesResult]:
    """``get_image_caches`` with Inputs (e.g. another resource's outputs); the call
    runs once they are known (at preview only if they are already known then)."""
    inputs = pulumi.Output.all(
        ids=ids,
        image=image,
        image_cache_name=image_cache_name,
        name_regex=name_regex,
        snapshot_id=snapshot_id,
        status=status,
    )

    def call(args: dict[str, Any]) -> Any:
        # The call blocks on HTTP: run it off the event loop the program's
        # resource registrations share.
        return asyncio.get_running_loop().run_in_executor(
            None,
            lambda: (
                lookups.get_image_caches(client, **args) if client else get_image_caches(**args)
            ),
        )

    result: pulumi.Output[GetImageCachesResult] = inputs.apply(call)
    return result
