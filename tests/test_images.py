"""Canonical image references: one spelling per image, and a clear refusal otherwise."""

from __future__ import annotations

import pytest

from pulumi_eci_cache.rules.images import (
    canonical_image,
    canonical_or_raw,
    same_images,
)

SHA256 = "sha256:" + "a" * 64
SHA512 = "sha512:" + "0123456789abcdef" * 8


@pytest.mark.parametrize(
    ("ref", "canonical"),
    [
        ("nginx:1.25", "docker.io/library/nginx:1.25"),
        ("docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25"),
        ("index.docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25"),
        ("docker.io/nginx:1.25", "docker.io/library/nginx:1.25"),
        ("user/app:1", "docker.io/user/app:1"),
        ("Registry.Example.COM/team/app:v2", "registry.example.com/team/app:v2"),
        ("registry.example.com:5000/app:1", "registry.example.com:5000/app:1"),
        ("localhost/app:dev", "localhost/app:dev"),
        ("LOCALHOST/app:dev", "localhost/app:dev"),
        ("localhost:5000/app:dev", "localhost:5000/app:dev"),
        ("[::1]:5000/app:1", "[::1]:5000/app:1"),
        (f"nginx@{SHA256}", f"docker.io/library/nginx@{SHA256}"),
        (f"nginx:1.25@{SHA256}", f"docker.io/library/nginx:1.25@{SHA256}"),
        (f"r.example.com/app@{SHA512}", f"r.example.com/app@{SHA512}"),
        ("a/b_c/d__e/f-g/h---i/j.k:T_1.x-y", "docker.io/a/b_c/d__e/f-g/h---i/j.k:T_1.x-y"),
        ("nginx:" + "t" * 128, "docker.io/library/nginx:" + "t" * 128),
    ],
    ids=[
        "official-short",
        "official-full",
        "legacy-index-host",
        "docker-io-without-library",
        "user-repo",
        "host-lower-cased",
        "host-with-port",
        "localhost",
        "localhost-upper-case",
        "localhost-port",
        "ipv6-host",
        "digest-only",
        "tag-and-digest",
        "sha512-digest",
        "all-separators",
        "longest-tag",
    ],
)
def test_canonical_image_normalises_like_docker(ref: str, canonical: str) -> None:
    assert canonical_image(ref) == canonical


@pytest.mark.parametrize(
    "ref", ["nginx:1.25", "Registry.Example.COM/team/app:v2", f"nginx:1@{SHA256}"]
)
def test_canonical_image_is_idempotent(ref: str) -> None:
    once = canonical_image(ref)
    assert canonical_image(once) == once


@pytest.mark.parametrize(
    ("ref", "why"),
    [
        ("nginx", "neither a tag nor a digest"),
        ("localhost:5000/app", "neither a tag nor a digest"),
        ("", "empty"),
        ("nginx :1", "whitespace"),
        ("https://r.example.com/app:1", "scheme"),
        ("Nginx:1", "must be lowercase"),
        ("team/App:1", "must be lowercase"),
        ("MyOrg/app:1", "neither a registry host"),
        ("nginx:", 'tag "" is not valid'),
        ("nginx:.hidden", 'tag ".hidden" is not valid'),
        ("nginx:" + "t" * 129, "is not valid"),
        ("nginx@sha256:abc", "exactly 64"),
        ("nginx@sha256:" + "A" * 64, "lowercase hex"),
        ("nginx@md5:" + "a" * 32, "not supported"),
        ("nginx@" + "a" * 64, "not valid"),
        ("a//b:1", "empty component"),
        ("r.example.com/app/:1", "empty component"),
        ("a.-b:1", 'component "a.-b" is not valid'),
        ("-bad.example.com/app:1", 'registry host "-bad.example.com" is not valid'),
        ("r.example.com/" + "a" * 250 + ":1", "at most 255"),
        (f"nginx@{SHA256}@{SHA256}", "not valid"),
    ],
    ids=[
        "no-tag",
        "no-tag-with-port-host",
        "empty",
        "whitespace",
        "scheme",
        "upper-case-repo",
        "upper-case-path",
        "upper-case-namespace-not-a-host",
        "empty-tag",
        "tag-starting-with-dot",
        "tag-too-long",
        "short-digest",
        "upper-case-digest",
        "unsupported-digest-algorithm",
        "digest-without-algorithm",
        "double-slash",
        "trailing-slash",
        "bad-separator",
        "bad-host",
        "name-too-long",
        "two-digests",
    ],
)
def test_canonical_image_refuses_invalid_reference_saying_why(ref: str, why: str) -> None:
    with pytest.raises(ValueError) as caught:
        canonical_image(ref)
    message = str(caught.value)
    assert f'"{ref}"' in message
    assert why in message


def test_reference_without_tag_is_not_given_latest() -> None:
    with pytest.raises(ValueError, match="latest"):
        canonical_image("redis")


def test_canonical_or_raw_leaves_an_invalid_reference_alone() -> None:
    assert canonical_or_raw("nginx") == "nginx"
    assert canonical_or_raw("nginx:1") == "docker.io/library/nginx:1"


def test_same_images_ignores_order_and_spelling() -> None:
    assert same_images(
        ["nginx:1.25", "r.example.com/app:1"],
        ["R.Example.com/app:1", "docker.io/library/nginx:1.25"],
    )


def test_same_images_sees_a_different_tag() -> None:
    assert not same_images(["nginx:1.25"], ["nginx:1.26"])


def test_same_images_sees_a_missing_image() -> None:
    assert not same_images(["nginx:1.25", "redis:7"], ["nginx:1.25"])
