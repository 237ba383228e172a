"""ImageCache as a Pulumi program sees it, with the SDK's mocks (no engine, no provider).

The mocks record what the program registers; the provider itself is tested through
the real provider server (test_provider_lifecycle.py) and the CLI (tests/e2e).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from pulumi_eci_cache import (
    ImageCache,
    ImageCacheArgs,
    ImageCacheImageRegistryCredentialArgs,
)
from pulumi_eci_cache.rules.identity import IDENTITY_KEY, MARKER_KEY, MARKER_VALUE


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    # Other tests' asyncio.run() leave no current loop; the SDK's mocks need one.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = Recorder()
    pulumi.runtime.set_mocks(mocks, project="proj", stack="dev", preview=False, organization="acme")
    yield mocks
    asyncio.set_event_loop(None)
    loop.close()


def settle(output: pulumi.Output[Any]) -> Any:
    seen: list[Any] = []
    output.apply(seen.append)
    return seen


@pulumi.runtime.test
def test_args_and_keyword_arguments_register_the_same_inputs(recorder: Recorder) -> Any:
    a = ImageCache("a", ImageCacheArgs(image_cache_name="web", images=["nginx:1.25"]))
    b = ImageCache("b", image_cache_name="web", images=["nginx:1.25"])

    def check(_: Any) -> None:
        a, b = recorder.registered["a"], recorder.registered["b"]
        assert a["images"] == b["images"] == ["nginx:1.25"]
        assert a["image_cache_name"] == b["image_cache_name"] == "web"

    return pulumi.Output.all(a.urn, b.urn).apply(check)


@pulumi.runtime.test
def test_a_resource_is_named_by_organization_project_stack_and_name(recorder: Recorder) -> Any:
    cache = ImageCache("web", ImageCacheArgs(image_cache_name="web", images=["nginx:1.25"]))

    def check(_: Any) -> None:
        assert recorder.registered["web"][IDENTITY_KEY] == "acme/proj/dev/web"

    return cache.urn.apply(check)


@pulumi.runtime.test
def test_a_resource_bears_the_marker_policy_packs_know_it_by(recorder: Recorder) -> Any:
    cache = ImageCache("web", ImageCacheArgs(image_cache_name="web", images=["nginx:1.25"]))

    def check(_: Any) -> None:
        assert recorder.registered["web"][MARKER_KEY] == MARKER_VALUE

    return cache.urn.apply(check)


@pulumi.runtime.test
def test_a_child_is_named_by_its_parents_urn_so_siblings_never_collide(
    recorder: Recorder,
) -> Any:
    parent = pulumi.ComponentResource("pkg:index:Service", "svc-a")
    cache = ImageCache(
        "cache",
        ImageCacheArgs(image_cache_name="web", images=["nginx:1.25"]),
        opts=pulumi.ResourceOptions(parent=parent),
    )

    def check(_: Any) -> None:
        identity = recorder.registered["cache"][IDENTITY_KEY]
        assert identity == "acme/proj/dev/pkg:index:Service::svc-a/cache"

    return cache.urn.apply(check)


@pulumi.runtime.test
def test_registry_credentials_travel_as_plain_dicts_marked_secret(recorder: Recorder) -> Any:
    cache = ImageCache(
        "private",
        ImageCacheArgs(
            image_cache_name="private",
            images=["r.example.com/app:1"],
            image_registry_credentials=[
                ImageCacheImageRegistryCredentialArgs("r.example.com", "u", "p")
            ],
        ),
    )

    def check(_: Any) -> None:
        registered = recorder.registered["private"]["image_registry_credentials"]
        # The engine's marker of a secret value: the password was given as plain text.
        assert (
            registered[pulumi.runtime.rpc._special_sig_key]
            == pulumi.runtime.rpc._special_secret_sig
        )
        assert registered["value"] == [
            {"server": "r.example.com", "user_name": "u", "password": "p"}
        ]

    return cache.urn.apply(check)


def test_args_and_keyword_arguments_together_are_refused() -> None:
    with pytest.raises(TypeError, match="not both"):
        ImageCache("x", ImageCacheArgs(image_cache_name="x", images=[]), image_cache_name="y")


def test_the_args_are_the_input_models_fields_in_its_order() -> None:
    import dataclasses

    from pulumi_eci_cache.rules.model import INPUT_FIELDS

    assert tuple(f.name for f in dataclasses.fields(ImageCacheArgs)) == INPUT_FIELDS


def test_the_resource_declares_every_output_of_the_outputs_model() -> None:
    from pulumi_eci_cache import ImageCache
    from pulumi_eci_cache.rules.api import OUTPUT_FIELDS

    declared = set(ImageCache.__annotations__)
    assert set(OUTPUT_FIELDS) <= declared
    assert declared - set(OUTPUT_FIELDS) == {"image_cache_name", "images"}
