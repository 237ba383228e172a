"""The emulator's own image references (emulator/references.py), from the reference grammar."""

from __future__ import annotations

import pytest

from pulumi_eci_cache.emulator import EciBackend, FakeClock
from pulumi_eci_cache.emulator.exceptions import InvalidParameter
from pulumi_eci_cache.emulator.params import parse_action_params
from pulumi_eci_cache.emulator.references import (
    InvalidReference,
    Reference,
    identity,
    parse_reference,
    same_image,
    same_repository,
)

SHA256 = "sha256:" + "0123456789abcdef" * 4
SHA512 = "sha512:" + "0123456789abcdef" * 8


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("nginx:1.25", ("docker.io", "library/nginx", "1.25", None)),
        ("nginx", ("docker.io", "library/nginx", "latest", None)),
        ("docker.io/nginx:1.25", ("docker.io", "library/nginx", "1.25", None)),
        ("index.docker.io/nginx:1.25", ("docker.io", "library/nginx", "1.25", None)),
        ("registry-1.docker.io/nginx:1.25", ("registry-1.docker.io", "nginx", "1.25", None)),
        ("DOCKER.IO/nginx:1.25", ("docker.io", "library/nginx", "1.25", None)),
        ("team/app:v1", ("docker.io", "team/app", "v1", None)),
        ("Registry.Example.com:5000/a/b:V1", ("registry.example.com:5000", "a/b", "V1", None)),
        ("localhost/app:dev", ("localhost", "app", "dev", None)),
        ("LOCALHOST/app:dev", ("localhost", "app", "dev", None)),
        ("Host/app:1", ("host", "app", "1", None)),  # upper case: a registry host
        ("localhost:5000/app", ("localhost:5000", "app", "latest", None)),
        ("[::1]:5000/app:1", ("[::1]:5000", "app", "1", None)),
        (f"nginx@{SHA256}", ("docker.io", "library/nginx", None, SHA256)),
        (f"nginx:1.25@{SHA256}", ("docker.io", "library/nginx", "1.25", SHA256)),
        (f"r.example.com/app@{SHA512}", ("r.example.com", "app", None, SHA512)),
        (
            "a/b_c/d__e/f-g/h---i/j.k:T_1.x-y",
            ("docker.io", "a/b_c/d__e/f-g/h---i/j.k", "T_1.x-y", None),
        ),
    ],
)
def test_a_reference_is_normalised_as_docker_reads_it(
    text: str, parsed: tuple[str, str, str | None, str | None]
) -> None:
    assert parse_reference(text) == Reference(*parsed)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Nginx:1",
        "team/App:1",
        "nginx :1",
        "https://r.example.com/app:1",
        "nginx:",
        "nginx:.hidden",
        "nginx:" + "t" * 129,
        "r.example.com//app:1",
        "r.example.com/app/:1",
        "-host.example.com/app:1",
        "nginx@sha256:" + "A" * 64,
        "nginx@sha256:" + "a" * 63,
        "nginx@md5:" + "a" * 32,
        "nginx@sha256",
        "a" * 64,
        "r.example.com/" + "a" * 250 + ":1",
    ],
)
def test_text_outside_the_grammar_is_no_reference(text: str) -> None:
    with pytest.raises(InvalidReference):
        parse_reference(text)


def test_a_reference_writes_back_fully_qualified() -> None:
    assert str(parse_reference("nginx")) == "docker.io/library/nginx:latest"
    assert str(parse_reference(f"nginx:1@{SHA256}")) == f"docker.io/library/nginx:1@{SHA256}"
    assert parse_reference("r.example.com/a/b:1").name == "r.example.com/a/b"


def test_text_that_is_no_reference_is_compared_as_written() -> None:
    assert identity("Nginx:1") == "Nginx:1"
    assert same_image("Nginx:1", "Nginx:1")
    assert not same_image("Nginx:1", "nginx:1")
    assert not same_repository("Nginx:1", "Nginx:2")


@pytest.mark.parametrize(
    ("a", "b", "same", "repository"),
    [
        ("nginx:1.25", "docker.io/library/nginx:1.25", True, True),
        ("nginx", "nginx:latest", True, True),
        ("nginx:1.25", "nginx:1.24", False, True),
        ("nginx:v1", "nginx:V1", False, True),
        (f"nginx@{SHA256}", "nginx:1.25", False, True),
        (f"nginx:1.25@{SHA256}", "nginx:1.25", False, True),
        ("r.example.com/team/api:1", "r.example.com/team/web:1", False, False),
        ("r.example.com:5000/app:1", "r.example.com/app:1", False, False),
        ("app:1", "library/app:1", True, True),
        ("team/app:1", "r.example.com/team/app:1", False, False),
    ],
)
def test_same_image_and_same_repository(a: str, b: str, same: bool, repository: bool) -> None:
    assert (same_image(a, b), same_image(b, a)) == (same, same)
    assert (same_repository(a, b), same_repository(b, a)) == (repository, repository)


@pytest.mark.parametrize("action", ["CreateImageCache", "DescribeImageCaches"])
def test_the_wire_still_asks_for_a_tag_or_a_digest(action: str) -> None:
    # "latest" is the grammar's default, but Image.N / MatchImage.N must name one.
    name = "Image.1" if action == "CreateImageCache" else "MatchImage.1"
    params = {"ImageCacheName": "web", "Image.1": "nginx:1"} if name == "Image.1" else {}
    with pytest.raises(InvalidParameter, match="needs a tag or a digest"):
        parse_action_params(action, {**params, name: "nginx"})


def test_an_unpullable_image_fails_a_build_however_either_side_spells_it() -> None:
    clock = FakeClock()
    backend = EciBackend(clock=clock, build_seconds=10)
    backend.set_unpullable_images(["index.docker.io/library/nginx:1.25"])
    failing = backend.create_image_cache(
        "cn-hangzhou", {"ImageCacheName": "a", "Images": ["nginx:1.25"]}
    )
    other_tag = backend.create_image_cache(
        "cn-hangzhou", {"ImageCacheName": "b", "Images": ["nginx:1.24"]}
    )
    clock.advance(10)
    assert backend.find("cn-hangzhou", failing.cache_id).status == "Failed"
    assert backend.find("cn-hangzhou", other_tag.cache_id).status == "Ready"
