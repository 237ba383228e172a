"""The stack's line of a preview (rules/change_summary.py), pure: the snapshot GiB a
change adds and removes, and how many caches without retention."""

from __future__ import annotations

from pulumi_eci_cache.rules.change_summary import Contribution, contribution, summary_line

KEPT = {"image_cache_name": "web", "images": ["nginx:1.25"], "retention_days": 7}
FOREVER = {"image_cache_name": "web", "images": ["nginx:1.25"]}


def test_a_new_cache_adds_its_size_or_the_default_20_gib() -> None:
    assert contribution({**KEPT, "image_cache_size": 40}, None, replaced=False) == Contribution(
        added_gib=40, added_caches=1
    )
    assert contribution(FOREVER, None, replaced=False).added_gib == 20


def test_a_replacement_adds_the_new_cache_and_removes_the_old() -> None:
    part = contribution({**KEPT, "image_cache_size": 50}, FOREVER, replaced=True)
    assert part == Contribution(50, 20, 1, 1, 0, 1)


def test_an_in_place_resize_adds_or_removes_the_difference() -> None:
    assert contribution({**KEPT, "image_cache_size": 60}, KEPT, replaced=False) == Contribution(
        added_gib=40
    )
    assert contribution(KEPT, {**KEPT, "image_cache_size": 60}, replaced=False) == Contribution(
        removed_gib=40
    )


def test_the_line_sums_every_cache_and_counts_those_without_retention() -> None:
    parts = [
        contribution(FOREVER, None, replaced=False),
        contribution(KEPT, None, replaced=False),
        contribution({**KEPT, "image_cache_size": 30}, FOREVER, replaced=True),
    ]
    line = summary_line(parts)
    assert line is not None
    assert line.startswith(
        "image cache snapshots in this change: +70 GiB (3 caches built, 1 without retention: "
        "billed until deleted), -20 GiB (1 cache replaced, 1 without retention);"
    )


def test_the_line_says_deleted_caches_are_not_counted() -> None:
    line = summary_line([contribution(KEPT, None, replaced=False)])
    assert line is not None and "caches deleted from the program are not counted" in line


def test_a_change_without_snapshots_has_no_line() -> None:
    assert summary_line([contribution(KEPT, KEPT, replaced=False)]) is None
    assert summary_line([]) is None
