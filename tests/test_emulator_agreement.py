"""One table of cases, from the manual and the README, held against both implementations.

The provider (``rules.images``, ``rules.matching``) and the emulator (its own
``references``, ``matching`` and ``DescribeImageCaches`` with ``MatchImage.N``) read
the same rules independently; each case below says what the answer must be, from the
words it comes from (the vendor's manual, "Using a cache"; README.md's table under
"Which cache will a pod get?"; the Docker/OCI reference grammar), and each
implementation is checked against that answer, not merely against the other.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from typing import Any

import pytest

from pulumi_eci_cache.emulator import EciBackend, FakeClock
from pulumi_eci_cache.emulator.exceptions import InvalidParameter
from pulumi_eci_cache.emulator.matching import fit, rank_for_pod
from pulumi_eci_cache.emulator.params import parse_action_params
from pulumi_eci_cache.emulator.references import same_image, same_repository
from pulumi_eci_cache.rules.images import canonical_image, same_images
from pulumi_eci_cache.rules.matching import rank_caches

REGION = "cn-hangzhou"
SAME, REPOSITORY, NONE = "same image", "same repository, another tag", "no match"
DIGEST = "sha256:" + "0123456789abcdef" * 4
GRAMMAR = "Docker/OCI reference grammar (distribution/reference)"
HOSTS = "host names compare case-insensitively; paths and tags case-sensitively"
EXACT = "README: an exact match is registry, repository and tag/digest"
ANOTHER_TAG = "README: a same-repository match is another tag (layers mostly shared)"
REGISTRY_ALONE = "README: the same registry alone is no match"


@dataclass(frozen=True)
class Spelling:
    """A cache holding ``cached`` and a pod asking for ``pod``: how do they match?"""

    id: str
    cached: str
    pod: str
    expected: str
    source: str


SPELLINGS = [
    Spelling("short-and-full", "docker.io/library/nginx:1.25", "nginx:1.25", SAME, GRAMMAR),
    Spelling("hub-without-library", "docker.io/nginx:1.25", "nginx:1.25", SAME, GRAMMAR),
    Spelling("library-namespace", "library/nginx:1.25", "nginx:1.25", SAME, GRAMMAR),
    Spelling(
        "legacy-index-host", "index.docker.io/library/nginx:1.25", "nginx:1.25", SAME, GRAMMAR
    ),
    Spelling(
        "registry-1-docker-io",
        "registry-1.docker.io/library/nginx:1.25",
        "nginx:1.25",
        NONE,
        "distribution/reference normalises index.docker.io alone: another host is another registry",
    ),
    Spelling("user-repository", "team/app:1", "docker.io/team/app:1", SAME, GRAMMAR),
    Spelling(
        "host-case",
        "Registry.Example.com/team/app:1",
        "registry.example.com/team/app:1",
        SAME,
        HOSTS,
    ),
    Spelling("hub-host-case", "Docker.IO/nginx:1.25", "nginx:1.25", SAME, HOSTS),
    Spelling("localhost-port-case", "LOCALHOST:5000/app:1", "localhost:5000/app:1", SAME, HOSTS),
    Spelling("digest", f"nginx@{DIGEST}", f"docker.io/library/nginx@{DIGEST}", SAME, EXACT),
    Spelling("another-tag", "nginx:1.24", "nginx:1.25", REPOSITORY, ANOTHER_TAG),
    Spelling("tag-case", "nginx:V1", "nginx:v1", REPOSITORY, HOSTS),
    Spelling("digest-and-tag", f"nginx@{DIGEST}", "nginx:1.25", REPOSITORY, ANOTHER_TAG),
    Spelling(
        "same-registry-only",
        "r.example.com/team/api:1",
        "r.example.com/team/web:1",
        NONE,
        REGISTRY_ALONE,
    ),
    Spelling("port-differs", "r.example.com:5000/app:1", "r.example.com/app:1", NONE, EXACT),
    Spelling("registry-differs", "r.example.com/team/app:1", "team/app:1", NONE, EXACT),
    Spelling("official-and-user", "nginx:1.25", "nginx/nginx:1.25", NONE, GRAMMAR),
    Spelling("path-case", "r.example.com/Team/app:1", "r.example.com/team/app:1", NONE, HOSTS),
]


def api_cache(
    cache_id: str,
    images: list[str],
    *,
    size: int = 20,
    created: str = "2027-01-01T00:00:00Z",
    status: str = "Ready",
) -> dict[str, Any]:
    """A cache as DescribeImageCaches answers it (what both rankings take)."""
    return {
        "ImageCacheId": cache_id,
        "ImageCacheName": cache_id,
        "Status": status,
        "Images": images,
        "ImageCacheSize": size,
        "CreationTime": created,
    }


def provider_relation(cached: str, pod: str) -> str:
    ranked = rank_caches([api_cache("c", [cached])], [pod])
    if ranked and ranked[0].matched_images:
        return SAME
    return REPOSITORY if ranked and ranked[0].repository_images else NONE


def emulator_relation(cached: str, pod: str) -> str:
    how = fit([cached], [pod])
    listed = rank_for_pod([api_cache("c", [cached])], [pod])
    assert len(listed) == (1 if how.matches else 0)
    if same_image(cached, pod):
        assert (how.exact, same_repository(cached, pod)) == (1, True)
        return SAME
    assert how.exact == 0
    if same_repository(cached, pod):
        assert how.same_repository == 1
        return REPOSITORY
    assert not how.matches
    return NONE


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in SPELLINGS])
def test_the_provider_compares_images_as_the_rules_say(case: Spelling) -> None:
    assert provider_relation(case.cached, case.pod) == case.expected, case.source
    assert same_images([case.cached], [case.pod]) == (case.expected == SAME), case.source


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in SPELLINGS])
def test_the_emulator_compares_images_as_the_rules_say(case: Spelling) -> None:
    assert emulator_relation(case.cached, case.pod) == case.expected, case.source
    assert emulator_relation(case.pod, case.cached) == case.expected, case.source


@pytest.mark.parametrize("image", ["nginx", "localhost:5000/app", "r.example.com/team/app"])
def test_both_refuse_an_image_with_neither_tag_nor_digest(image: str) -> None:
    # The manual: Image.N are "1..20 references, each with a tag or digest".
    with pytest.raises(ValueError, match="neither a tag nor a digest"):
        canonical_image(image)
    with pytest.raises(InvalidParameter):
        parse_action_params("CreateImageCache", {"ImageCacheName": "web", "Image.1": image})
    with pytest.raises(InvalidParameter):
        parse_action_params("DescribeImageCaches", {"MatchImage.1": image})


# -- rankings -------------------------------------------------------------------------

NGINX, REDIS, POSTGRES = "nginx:1.25", "redis:7.2", "postgres:16"
OLD, NEW = "2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z"


@dataclass(frozen=True)
class Ranking:
    """Caches (in the service's order) and a pod's images: the ids auto-match ranks."""

    id: str
    source: str
    caches: list[dict[str, Any]]
    pod: list[str]
    expected: list[str]
    full_match: bool = False
    match_count: int | None = None


RANKINGS = [
    Ranking(
        "only-ready-caches",
        "manual: only Ready can be used; README: candidates are Ready caches",
        [
            api_cache("preparing", [NGINX], status="Preparing"),
            api_cache("creating", [NGINX], status="Creating"),
            api_cache("updating", [NGINX], status="Updating"),
            api_cache("failed", [NGINX], status="Failed"),
            api_cache("update-failed", [NGINX], status="UpdateFailed"),
            api_cache("ready", [NGINX]),
        ],
        [NGINX],
        ["ready"],
    ),
    Ranking(
        "a-candidate-holds-an-image-exactly-or-in-another-tag",
        "README: candidates hold at least one of the pod's images, exactly or in another tag",
        [
            api_cache("other-image", [POSTGRES]),
            api_cache("other-tag", ["nginx:1.24"]),
            api_cache("same-registry", ["docker.io/library/httpd:2"]),
        ],
        [NGINX],
        ["other-tag"],
    ),
    Ranking(
        "compared-canonically",
        "README: images compared canonically",
        [
            api_cache("old-tag", ["nginx:1.24"]),
            api_cache("full-name", ["docker.io/library/nginx:1.25"]),
        ],
        [NGINX],
        ["full-name", "old-tag"],
    ),
    Ranking(
        "more-exact-matches-first",
        "README: more exact matches first",
        [api_cache("one", [NGINX]), api_cache("both", [NGINX, REDIS])],
        [NGINX, REDIS],
        ["both", "one"],
    ),
    Ranking(
        "exact-matches-before-repository-matches",
        "README: more exact matches first, then more same-repository matches",
        [api_cache("two-other-tags", ["nginx:1.24", "redis:7.0"]), api_cache("one-exact", [NGINX])],
        [NGINX, REDIS],
        ["one-exact", "two-other-tags"],
    ),
    Ranking(
        "then-more-repository-matches",
        "README: then more same-repository matches (before the size rules)",
        [
            api_cache("exact-only", [NGINX]),
            api_cache("exact-and-other-tag", [NGINX, "redis:7.0"], size=40),
        ],
        [NGINX, REDIS],
        ["exact-and-other-tag", "exact-only"],
    ),
    Ranking(
        "smaller-cache-first",
        "README: the smaller ImageCacheSize first (manual: the closest size)",
        [api_cache("big-new", [NGINX], size=100, created=NEW), api_cache("small-old", [NGINX])],
        [NGINX],
        ["small-old", "big-new"],
    ),
    Ranking(
        "size-before-unused-images",
        "README: the smaller ImageCacheSize first, then fewer unused cached images",
        [
            api_cache("lean-big", [NGINX], size=40),
            api_cache("full-small", [NGINX, REDIS, POSTGRES]),
        ],
        [NGINX],
        ["full-small", "lean-big"],
    ),
    Ranking(
        "fewer-unused-images-first",
        "README: at one size, the fewer cached images the pod does not use first",
        [api_cache("extra-new", [NGINX, REDIS], created=NEW), api_cache("just-old", [NGINX])],
        [NGINX],
        ["just-old", "extra-new"],
    ),
    Ranking(
        "newest-first",
        "manual and README: then creation time, newest first",
        [api_cache("old", [NGINX], created=OLD), api_cache("new", [NGINX], created=NEW)],
        [NGINX],
        ["new", "old"],
    ),
    Ranking(
        "ties-keep-the-services-order",
        "README: remaining ties keep the service's order",
        [api_cache("first", [NGINX]), api_cache("second", ["docker.io/library/nginx:1.25"])],
        [NGINX],
        ["first", "second"],
    ),
    Ranking(
        "match-degree-before-size-and-age",
        "manual and README: match degree, then size, then age",
        [
            api_cache("one-small-new", [NGINX], created=NEW),
            api_cache("both-big-old", [NGINX, REDIS], size=200, created="2026-01-01T00:00:00Z"),
        ],
        [NGINX, REDIS],
        ["both-big-old", "one-small-new"],
    ),
    Ranking(
        "full-match",
        "README: ImageFullMatch, every image must match exactly",
        [
            api_cache("one", [NGINX]),
            api_cache("more", [NGINX, REDIS, POSTGRES], size=40),
            api_cache("both", [NGINX, REDIS]),
        ],
        [NGINX, REDIS],
        ["both", "more"],
        full_match=True,
    ),
    Ranking(
        "full-match-wants-exact-not-another-tag",
        "README: ImageFullMatch, every image must match exactly",
        [api_cache("other-tag", [NGINX, "redis:7.0"])],
        [NGINX, REDIS],
        [],
        full_match=True,
    ),
    Ranking(
        "full-match-counts-a-pod-image-once-however-spelled",
        "README: images compared canonically; every image must match exactly",
        [api_cache("c", [NGINX])],
        [NGINX, "docker.io/library/nginx:1.25"],
        ["c"],
        full_match=True,
    ),
    Ranking(
        "match-count-1",
        "README: ImageMatchCountRequest n, at least n images must match exactly",
        [
            api_cache("other-tags", ["nginx:1.24", "redis:7.0"]),
            api_cache("one", [NGINX]),
            api_cache("both", [NGINX, REDIS]),
        ],
        [NGINX, REDIS],
        ["both", "one"],
        match_count=1,
    ),
    Ranking(
        "match-count-2",
        "README: ImageMatchCountRequest n, at least n images must match exactly",
        [api_cache("one", [NGINX]), api_cache("both", [NGINX, REDIS])],
        [NGINX, REDIS],
        ["both"],
        match_count=2,
    ),
    Ranking(
        "match-count-above-the-pods-images",
        "README: ImageMatchCountRequest n, at least n images must match exactly",
        [api_cache("both", [NGINX, REDIS])],
        [NGINX, REDIS],
        [],
        match_count=3,
    ),
    Ranking(
        "full-match-wins-over-match-count",
        "README: full match wins when both are given",
        [api_cache("one", [NGINX]), api_cache("both", [NGINX, REDIS])],
        [NGINX, REDIS],
        ["both"],
        full_match=True,
        match_count=1,
    ),
]


def epoch(iso: str) -> float:
    return float(calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")))


def served(case: Ranking) -> list[str]:
    """The ids DescribeImageCaches (the backend) answers for ``MatchImage.N``."""
    backend = EciBackend(clock=FakeClock(), build_seconds=0)
    caches = [
        {
            "cache_id": cache["ImageCacheId"],
            "region_id": REGION,
            "spec": {
                "ImageCacheName": cache["ImageCacheName"],
                "Images": cache["Images"],
                "ImageCacheSize": cache["ImageCacheSize"],
            },
            "container_group_id": f"eci-{n}",
            "creation_time": epoch(cache["CreationTime"]),
            "status": cache["Status"],
            "held": True,  # a building cache stays building
        }
        for n, cache in enumerate(case.caches)
    ]
    backend.load_state(
        {"caches": [{**c, "account_id": backend.default_account_id} for c in caches]}
    )
    filters: dict[str, Any] = {"MatchImages": case.pod, "Limit": 100}
    if case.full_match:
        filters["ImageFullMatch"] = True
    if case.match_count is not None:
        filters["ImageMatchCountRequest"] = case.match_count
    page, _, _ = backend.describe_image_caches(REGION, filters)
    return [cache.cache_id for cache in page]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in RANKINGS])
def test_the_providers_ranking_is_the_rules(case: Ranking) -> None:
    ranked = rank_caches(
        case.caches, case.pod, perfect_match=case.full_match, match_count=case.match_count
    )
    assert [m.image_cache_id for m in ranked] == case.expected, case.source


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in RANKINGS])
def test_the_emulators_ranking_is_the_rules(case: Ranking) -> None:
    ranked = rank_for_pod(
        case.caches, case.pod, full_match=case.full_match, match_count=case.match_count
    )
    assert [c["ImageCacheId"] for c in ranked] == case.expected, case.source


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in RANKINGS])
def test_describe_image_caches_answers_match_image_by_the_rules(case: Ranking) -> None:
    assert served(case) == case.expected, case.source
