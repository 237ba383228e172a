"""What a field takes, in words (rules/wording.allowed): the schema's descriptions, the
SDKs' hover text and the reference say it, so it reads as English."""

from __future__ import annotations

from pulumi_eci_cache.rules.model import ImageCacheSpec
from pulumi_eci_cache.rules.roles import AssumeRoleWithOidc
from pulumi_eci_cache.rules.wording import allowed


def test_a_length_range_counts_characters() -> None:
    assert allowed("image_cache_name", ImageCacheSpec).startswith("2 to 128 characters")


def test_a_string_that_must_only_be_given_reads_not_empty() -> None:
    assert allowed("oidc_token_file", AssumeRoleWithOidc) == "not empty"


def test_an_item_count_reads_as_a_range_of_items() -> None:
    assert allowed("images", ImageCacheSpec).startswith("1 to 20 items")
