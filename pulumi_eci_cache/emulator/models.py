"""The ECI emulator's backend: image caches, their status machine, clock and rules.

This is the single source of truth both the in-process respx mock and the served
emulator talk to (moto's ``models.py``). Caches are kept per account and region (a
call acts in the account of the key that signed it: see iam.py, which ``iam`` holds,
with the accounts, roles, OIDC providers and STS); their status is
not advanced by a thread but computed lazily from an injectable clock whenever the
backend is read, so a test with a ``FakeClock`` is fully deterministic. The status
machine is declared as data (``TRANSITIONS``) and every move is checked against it.
Builds can be made to fail (unpullable images) or to wait until a test finishes them
(``hold_builds``, ``finish_builds``), caches expire (``RetentionDays``, failed-cache
TTL) or are evicted (``EliminationStrategy=LRU``), ClientTokens make
create/update/delete idempotent, and ``faults`` injects the service's bad days. The
backend also keeps who called what (``call_counts``, ``call_log``,
``calls_by_principal``), in memory, for tests that check which identity acted.
The rules that compare images are the emulator's own, written from the service's
documentation (references.py, matching.py): it is the oracle the provider is tested
against, so it imports nothing from the provider (a test holds that).
"""

from __future__ import annotations

import base64
import copy
import json
import secrets
import string
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .clock import Clock, FakeClock, iso_time
from .exceptions import (
    IdempotentParameterMismatch,
    IncorrectImageCacheStatus,
    InvalidImageCacheIdNotFound,
    InvalidParameter,
    QuotaExceeded,
)
from .faults import Faults
from .iam import DEFAULT_ACCOUNT_ID, DEFAULT_USER, AccessKey, IamBackend, OidcProvider, Role
from .matching import rank_for_pod
from .references import identity

__all__ = [
    "ADMIN_ONLY_FIELDS",
    "CALL_LOG_LIMIT",
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "DEFAULT_ACCOUNT_ID",
    "TRANSITIONS",
    "AccessKey",
    "Clock",
    "EciBackend",
    "FakeClock",
    "ImageCache",
    "iso_time",
]

# Spec fields the service stores but DescribeImageCaches does not return: its answer
# model (alibabacloud_eci20180808's DescribeImageCachesResponseBodyImageCaches) has no
# such field. The admin listing shows them, so tests can see what a client sent.
ADMIN_ONLY_FIELDS = ("Annotations",)
# How many calls ``call_log`` keeps (the oldest go first); the counts are not bounded.
CALL_LOG_LIMIT = 200_000

DEFAULT_ACCESS_KEY_ID = "emulator-access-key-id"
DEFAULT_ACCESS_KEY_SECRET = "emulator-access-key-secret"
DEFAULT_PULL_FAILURE = "pull access denied, repository does not exist or may require authorization"

# The status machine: status -> the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "Preparing": frozenset({"Creating"}),
    "Creating": frozenset({"Ready", "Failed"}),
    "Ready": frozenset({"Updating"}),
    "UpdateFailed": frozenset({"Updating"}),
    "Updating": frozenset({"Ready", "UpdateFailed"}),
    "Failed": frozenset(),
}
UPDATABLE = ("Ready", "UpdateFailed")
BUILDING = ("Preparing", "Creating", "Updating")
PREPARING_SHARE = 0.1  # the first 10% of a create build is spent Preparing
DAY = 86400.0


def _new_id(prefix: str) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(20))


@dataclass
class ImageCache:
    """One cache: what was asked for (``spec``, contract-1 shape) plus the build state."""

    cache_id: str
    region_id: str
    spec: dict[str, Any]
    container_group_id: str
    creation_time: float
    status: str = "Preparing"
    progress: int = 0
    snapshot_id: str = ""
    flash_snapshot_id: str = ""
    build_kind: str = "create"
    build_started: float = 0.0
    build_seconds: float = 0.0
    held: bool = False
    failing_images: dict[str, str] = field(default_factory=dict)
    failed_at: float | None = None
    last_matched: float | None = None
    hidden_polls: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    account_id: str = DEFAULT_ACCOUNT_ID

    @property
    def expire_time(self) -> float | None:
        days = self.spec.get("RetentionDays")
        return None if days is None else self.creation_time + days * DAY

    def add_event(self, at: float, reason: str, message: str, kind: str = "Normal") -> None:
        stamp = iso_time(at)
        self.events.append(
            {
                "Name": self.cache_id,
                "Reason": reason,
                "Message": message,
                "Type": kind,
                "Count": 1,
                "FirstTimestamp": stamp,
                "LastTimestamp": stamp,
            }
        )

    def move(self, status: str) -> None:
        if status not in TRANSITIONS[self.status]:
            raise AssertionError(f"{self.cache_id}: {self.status} -> {status} is not allowed")
        self.status = status

    def to_api(self) -> dict[str, Any]:
        """The cache as DescribeImageCaches returns it (no ``ADMIN_ONLY_FIELDS``: the
        real answer has none of them)."""
        expire = self.expire_time
        return {
            "ImageCacheId": self.cache_id,
            "ImageCacheName": self.spec["ImageCacheName"],
            "Status": self.status,
            "Progress": f"{self.progress}%",
            "Events": copy.deepcopy(self.events),
            "Images": list(self.spec["Images"]),
            "ImageCacheSize": self.spec.get("ImageCacheSize", 20),
            "SnapshotId": self.snapshot_id,
            "FlashSnapshotId": self.flash_snapshot_id,
            "ContainerGroupId": self.container_group_id,
            "CreationTime": iso_time(self.creation_time),
            "ExpireDateTime": "" if expire is None else iso_time(expire),
            "LastMatchedTime": "" if self.last_matched is None else iso_time(self.last_matched),
            "RegionId": self.region_id,
            "ResourceGroupId": self.spec.get("ResourceGroupId", ""),
            "Tags": [dict(tag) for tag in self.spec.get("Tags", [])],
            "EliminationStrategy": self.spec.get("EliminationStrategy", ""),
        }

    def to_admin(self) -> dict[str, Any]:
        """The Describe shape plus the stored fields Describe leaves out, as they were
        sent (the admin listing: what a test checks a client sent)."""
        return {
            **self.to_api(),
            **{key: self.spec[key] for key in ADMIN_ONLY_FIELDS if key in self.spec},
        }


class EciBackend:
    """Every account's image caches in every region, the accounts' IAM (``iam``), and
    the emulator's switches (config, faults, keys)."""

    def __init__(
        self,
        clock: Clock = time.time,
        build_seconds: float = 6.0,
        failed_ttl_seconds: float = DAY,
        quota: int = 500,
        default_region: str = "cn-hangzhou",
        hold_builds: bool = False,
        default_account_id: str = DEFAULT_ACCOUNT_ID,
        token_lifetime_seconds: float | None = None,
    ) -> None:
        self.clock = clock
        self.build_seconds = build_seconds
        self.hold_builds = hold_builds
        self.failed_ttl_seconds = failed_ttl_seconds
        self.quota = quota
        self.default_region = default_region
        self.lock = threading.RLock()
        self.mutations = 0
        self.iam = IamBackend(self.now, default_account_id, on_change=self._changed)
        self.iam.token_lifetime_seconds = token_lifetime_seconds
        self.iam.add_access_key(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, user=DEFAULT_USER)
        self.faults = Faults()
        self.call_counts: Counter[str] = Counter()
        self.call_log: deque[dict[str, Any]] = deque(maxlen=CALL_LOG_LIMIT)
        self.calls_by_principal: dict[str, Counter[str]] = {}
        self.reset()

    def _changed(self) -> None:
        self.mutations += 1

    # -- accounts, keys, roles (iam.py holds them) ----------------------------------
    @property
    def access_keys(self) -> dict[str, AccessKey]:
        """Every key the emulator accepts, by id (long-term and temporary)."""
        return self.iam.access_keys

    @property
    def default_account_id(self) -> str:
        """The account of the default key, and of every in-process call naming none."""
        return self.iam.default_account_id

    @property
    def token_lifetime_seconds(self) -> float | None:
        """How long a temporary key STS issues lasts; None: its DurationSeconds."""
        return self.iam.token_lifetime_seconds

    @token_lifetime_seconds.setter
    def token_lifetime_seconds(self, seconds: float | None) -> None:
        self.iam.token_lifetime_seconds = None if seconds is None else float(seconds)

    def add_access_key(
        self,
        key_id: str,
        secret: str,
        security_token: str | None = None,
        account_id: str | None = None,
        user: str | None = None,
    ) -> AccessKey:
        """Accept a key: ``security_token`` None (long-term), "*" (any token) or the one
        token; it belongs to ``user`` (None: the root) of ``account_id`` (None: the
        default account)."""
        return self.iam.add_access_key(key_id, secret, security_token, account_id, user)

    def add_account(self, account_id: str, keys: Iterable[Mapping[str, Any]] = ()) -> None:
        """An account and its keys ``[{"id", "secret", "user": name | None (root)}]``."""
        self.iam.add_account(account_id, keys)

    def add_role(
        self,
        arn: str,
        trust: Mapping[str, Iterable[str]] | None = None,
        max_session_seconds: int = 3600,
        external_id: str | None = None,
    ) -> Role:
        """A role ``trust`` (``{"accounts", "principals", "oidc_providers"}``) may assume."""
        return self.iam.add_role(arn, trust, max_session_seconds, external_id)

    def add_oidc_provider(self, arn: str, issuer: str, client_ids: Iterable[str]) -> OidcProvider:
        return self.iam.add_oidc_provider(arn, issuer, client_ids)

    def oidc_token(
        self,
        provider_arn: str,
        subject: str,
        lifetime_seconds: float,
        audience: str | list[str] | None = None,
    ) -> str:
        """A JWT of the provider's issuer for ``subject``, valid ``lifetime_seconds`` on
        the emulator's clock (for a token file; its signature is never checked)."""
        return self.iam.oidc_token(provider_arn, subject, lifetime_seconds, audience)

    # -- who called -----------------------------------------------------------------
    def record_call(self, entry: Mapping[str, Any]) -> None:
        """Log one answered call (``{"Product", "Action", "AccessKeyId", "AccountId",
        "Principal", "RegionId", "Code"}``, no secret) and count it for its principal."""
        self.call_log.append(dict(entry))
        principal = entry.get("Principal")
        if principal is not None:
            self.calls_by_principal.setdefault(principal, Counter())[entry["Action"]] += 1

    # -- switches -------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every cache, token, fault, count, logged call and clock offset (keys,
        accounts, roles and OIDC providers stay)."""
        self.caches: dict[str, dict[str, dict[str, ImageCache]]] = {}
        self.client_tokens: dict[str, dict[str, Any]] = {}
        self.unpullable: dict[str, str] = {}
        self.clock_offset = 0.0
        self.faults.clear()
        self.call_counts.clear()
        self.call_log.clear()
        self.calls_by_principal.clear()
        self.mutations += 1

    def now(self) -> float:
        """The emulated service's time: the clock plus what ``advance_clock`` added."""
        return self.clock() + self.clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the backend's time forward (on top of its clock), e.g. from the admin API:
        builds progress, retention and failed-cache TTLs run out, temporary keys expire,
        the answers' Date moves; V3 ``x-acs-date`` is still checked against the clock alone."""
        self.clock_offset += seconds
        self.mutations += 1

    def finish_builds(self) -> list[str]:
        """Finish every running build now (Ready, or Failed / UpdateFailed for unpullable
        images), held or not, in every account, without moving the clock: a test decides
        when a build ends instead of racing the wall clock, and nothing else ages
        (retention, failed-cache TTLs and the answers' Date stay where they were, unlike
        with ``advance_clock``). The ids of the caches finished."""
        now = self.now()
        finished = []
        for cache in self.all_caches():
            if cache.status in BUILDING:
                if cache.status == "Preparing":
                    self._start_pulling(cache, now)
                self._finish(cache, now)
                finished.append(cache.cache_id)
        return finished

    def set_unpullable_images(self, images: Iterable[str] | Mapping[str, str]) -> None:
        """Builds that start from now on fail to pull these images (image -> cause)."""
        if isinstance(images, Mapping):
            self.unpullable = dict(images)
        else:
            self.unpullable = dict.fromkeys(images, DEFAULT_PULL_FAILURE)
        self.mutations += 1

    @property
    def regions(self) -> dict[str, dict[str, ImageCache]]:
        """The default account's caches by region, then id (as stored, not advanced)."""
        return self.caches.setdefault(self.default_account_id, {})

    def _account(self, account_id: str | None) -> str:
        return self.default_account_id if account_id is None else account_id

    def region(self, region_id: str, account_id: str | None = None) -> dict[str, ImageCache]:
        """The account's (default: the default account's) caches in the region by id
        (created lazily), advanced to now."""
        regions = self.caches.setdefault(self._account(account_id), {})
        caches = regions.setdefault(region_id, {})
        now = self.now()
        for cache in list(caches.values()):
            self._advance(cache, now)
            if self._expired(cache, now):
                del caches[cache.cache_id]
        return caches

    def all_caches(self, account_id: str | None = None) -> list[ImageCache]:
        """Every cache of ``account_id``, or of every account when it is None."""
        accounts = list(self.caches) if account_id is None else [account_id]
        return [
            cache
            for account in accounts
            for region in list(self.caches.get(account, {}))
            for cache in self.region(region, account).values()
        ]

    def find(self, region_id: str, cache_id: str, account_id: str | None = None) -> ImageCache:
        """The account's cache; ``InvalidImageCacheId.NotFound`` in another account too."""
        cache = self.region(region_id, account_id).get(cache_id)
        if cache is None:
            raise InvalidImageCacheIdNotFound(
                f"The specified ImageCacheId {cache_id!r} does not exist in {region_id}."
            )
        return cache

    def _located(self, cache_id: str) -> tuple[dict[str, ImageCache], ImageCache] | None:
        """The region dict holding ``cache_id`` in whichever account, and the cache."""
        for regions in self.caches.values():
            for caches in regions.values():
                if cache_id in caches:
                    return caches, caches[cache_id]
        return None

    # -- actions --------------------------------------------------------------------
    def create_image_cache(
        self, region_id: str, spec: Mapping[str, Any], account_id: str | None = None
    ) -> ImageCache:
        account = self._account(account_id)
        spec = dict(spec)
        token = spec.pop("ClientToken", None)
        replay = self._replay("CreateImageCache", account, region_id, token, spec)
        if replay is not None:
            return self.find(region_id, replay, account)
        caches = self.region(region_id, account)
        if len(caches) >= self.quota:
            self._evict_for_quota(region_id, account)
        now = self.now()
        cache = ImageCache(
            _new_id("imc-"),
            region_id,
            spec,
            _new_id("eci-"),
            now,
            hidden_polls=self.faults.invisible_polls,
            account_id=account,
        )
        cache.add_event(
            now,
            "Created",
            f"Created container group {cache.container_group_id} "
            f"to build image cache {cache.cache_id}",
        )
        self._start_build(cache, "create", now)
        caches[cache.cache_id] = cache
        self._remember(token, "CreateImageCache", account, region_id, spec, cache.cache_id)
        self._advance(cache, now)
        return cache

    def describe_image_caches(
        self, region_id: str, filters: Mapping[str, Any], account_id: str | None = None
    ) -> tuple[list[ImageCache], int, str]:
        """The page of the account's matching caches, the total count, and the next
        page's token."""
        visible = self._visible(region_id, self._account(account_id))
        matches = [c for c in visible if self._matches(c, filters)]
        if filters.get("MatchImages"):
            matches = self._rank_matches(matches, filters)
        start = self._decode_token(filters.get("NextToken", ""))
        end = start + filters.get("Limit", 10)
        next_token = self._encode_token(end) if end < len(matches) else ""
        return matches[start:end], len(matches), next_token

    def update_image_cache(
        self,
        region_id: str,
        cache_id: str,
        changes: Mapping[str, Any],
        account_id: str | None = None,
    ) -> None:
        account = self._account(account_id)
        changes = dict(changes)
        token = changes.pop("ClientToken", None)
        replay = self._replay("UpdateImageCache", account, region_id, token, changes, cache_id)
        if replay is not None:
            return
        cache = self.find(region_id, cache_id, account)
        if cache.status not in UPDATABLE:
            raise IncorrectImageCacheStatus(
                f"The image cache {cache_id} is {cache.status}; it can be updated only when "
                f"it is {' or '.join(UPDATABLE)}."
            )
        cache.spec.update(changes)
        now = self.now()
        cache.move("Updating")
        cache.add_event(
            now,
            "Updating",
            f"Rebuilding image cache {cache_id} with {len(cache.spec['Images'])} image(s)",
        )
        self._start_build(cache, "update", now)
        self._remember(token, "UpdateImageCache", account, region_id, changes, cache_id, cache_id)
        self._advance(cache, now)

    def delete_image_cache(
        self,
        region_id: str,
        cache_id: str,
        client_token: str | None = None,
        account_id: str | None = None,
    ) -> None:
        account = self._account(account_id)
        replay = self._replay("DeleteImageCache", account, region_id, client_token, {}, cache_id)
        if replay is not None:
            return
        self.find(region_id, cache_id, account)
        del self.caches[account][region_id][cache_id]
        self._remember(client_token, "DeleteImageCache", account, region_id, {}, cache_id, cache_id)
        self.mutations += 1

    def evict(self, cache_id: str) -> None:
        """Evict an ``EliminationStrategy=LRU`` cache (of any account), as the service
        does at its quota."""
        located = self._located(cache_id)
        if located is None:
            raise KeyError(cache_id)
        caches, cache = located
        if cache.spec.get("EliminationStrategy") != "LRU":
            raise ValueError(f"{cache_id} is not evictable (EliminationStrategy is not LRU)")
        del caches[cache_id]
        self.mutations += 1

    def mark_matched(self, cache_id: str) -> None:
        """Record that an instance used the cache (sets ``LastMatchedTime``, feeds LRU)."""
        located = self._located(cache_id)
        if located is not None:
            located[1].last_matched = self.now()
            self.mutations += 1

    # -- the status machine ---------------------------------------------------------
    def _start_build(self, cache: ImageCache, kind: str, now: float) -> None:
        cache.build_kind, cache.build_started = kind, now
        cache.build_seconds = self.build_seconds
        cache.held = self.hold_builds
        cache.progress, cache.failed_at = 0, None
        # An image fails however it is spelled: the registry sees the same image.
        unpullable = {identity(image): cause for image, cause in self.unpullable.items()}
        cache.failing_images = {
            image: unpullable[key]
            for image in cache.spec["Images"]
            if (key := identity(image)) in unpullable
        }
        self.mutations += 1

    def _advance(self, cache: ImageCache, now: float) -> None:
        """Bring a building cache's status and progress up to ``now``; a held build
        stops at 99% until ``finish_builds``."""
        if cache.status not in BUILDING:
            return
        total = cache.build_seconds
        share = 1.0 if total <= 0 else (now - cache.build_started) / total
        if cache.status == "Preparing" and share >= PREPARING_SHARE:
            self._start_pulling(cache, cache.build_started + PREPARING_SHARE * max(total, 0.0))
        if share >= 1.0 and not cache.held:
            self._finish(cache, cache.build_started + max(total, 0.0))
        elif cache.status == "Creating":
            cache.progress = min(99, int((share - PREPARING_SHARE) / (1 - PREPARING_SHARE) * 100))
        elif cache.status == "Updating":
            cache.progress = min(99, int(share * 100))

    @staticmethod
    def _start_pulling(cache: ImageCache, at: float) -> None:
        cache.move("Creating")
        for image in cache.spec["Images"]:
            cache.add_event(at, "Pulling", f'Pulling image "{image}"')

    def _finish(self, cache: ImageCache, at: float) -> None:
        for image in cache.spec["Images"]:
            cause = cache.failing_images.get(image)
            if cause is None:
                cache.add_event(at, "Pulled", f'Successfully pulled image "{image}"')
            else:
                cache.add_event(
                    at, "PullImageFailed", f'Failed to pull image "{image}": {cause}', "Warning"
                )
        cache.progress, cache.held = 100, False
        if cache.failing_images:
            failed = "Failed" if cache.build_kind == "create" else "UpdateFailed"
            cache.move(failed)
            cache.failed_at = at
            cache.add_event(
                at,
                f"{failed}",
                f"Image cache {cache.cache_id} could not be built: "
                f"{len(cache.failing_images)} image(s) failed to pull",
                "Warning",
            )
        else:
            cache.move("Ready")
            cache.snapshot_id = _new_id("s-")
            cache.flash_snapshot_id = _new_id("s-") if cache.spec.get("Flash") else ""
            cache.add_event(
                at,
                "Succeeded",
                f"Created snapshot {cache.snapshot_id} for image cache {cache.cache_id}",
            )
        self.mutations += 1

    def _expired(self, cache: ImageCache, now: float) -> bool:
        expire = cache.expire_time
        if expire is not None and now >= expire:
            return True
        return (
            cache.status == "Failed"
            and cache.failed_at is not None
            and (now >= cache.failed_at + self.failed_ttl_seconds)
        )

    def _evict_for_quota(self, region_id: str, account_id: str) -> None:
        caches = self.caches[account_id][region_id]
        candidates = [c for c in caches.values() if c.spec.get("EliminationStrategy") == "LRU"]
        if not candidates:
            raise QuotaExceeded(
                f"The region {region_id} already holds {self.quota} image "
                "caches and none of them has EliminationStrategy=LRU."
            )
        oldest = min(candidates, key=lambda c: (c.last_matched or c.creation_time, c.cache_id))
        self.evict(oldest.cache_id)

    # -- DescribeImageCaches helpers ------------------------------------------------
    def _visible(self, region_id: str, account_id: str) -> list[ImageCache]:
        """The account's caches in the region in creation (insertion) order, minus those
        still propagating."""
        visible = []
        for cache in self.region(region_id, account_id).values():
            if cache.hidden_polls > 0:
                cache.hidden_polls -= 1
                self.mutations += 1
            else:
                visible.append(cache)
        return visible

    @staticmethod
    def _matches(cache: ImageCache, filters: Mapping[str, Any]) -> bool:
        api = cache.to_api()
        for key in ("ImageCacheId", "ImageCacheName", "SnapshotId", "ResourceGroupId"):
            if key in filters and api[key] != filters[key]:
                return False
        # The service compares the Image filter as text with the images as written
        # (which is why get_image_caches filters canonically on its own side).
        if "Image" in filters and filters["Image"] not in api["Images"]:
            return False
        return all(
            any(
                t["Key"] == want["Key"] and ("Value" not in want or t.get("Value") == want["Value"])
                for t in api["Tags"]
            )
            for want in filters.get("Tags", [])
        )

    @staticmethod
    def _rank_matches(caches: list[ImageCache], filters: Mapping[str, Any]) -> list[ImageCache]:
        """``MatchImage.N`` / ``ImageFullMatch`` / ``ImageMatchCountRequest``: the caches
        auto-match could pick, best first, by the emulator's own reading of the rule
        (matching.py), not the provider's: the oracle must not share its bugs."""
        by_id = {cache.cache_id: cache for cache in caches}
        ranked = rank_for_pod(
            [cache.to_api() for cache in caches],
            filters["MatchImages"],
            full_match=bool(filters.get("ImageFullMatch")),
            match_count=filters.get("ImageMatchCountRequest"),
        )
        return [by_id[api["ImageCacheId"]] for api in ranked]

    @staticmethod
    def _encode_token(offset: int) -> str:
        return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()

    @staticmethod
    def _decode_token(token: str) -> int:
        if not token:
            return 0
        try:
            offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidParameter(f"The NextToken {token!r} is not valid.", "NextToken") from exc
        if not isinstance(offset, int) or offset < 0:
            raise InvalidParameter(f"The NextToken {token!r} is not valid.", "NextToken")
        return offset

    # -- ClientToken idempotency ----------------------------------------------------
    def _replay(
        self,
        action: str,
        account_id: str,
        region_id: str,
        token: str | None,
        params: Mapping[str, Any],
        cache_id: str = "",
    ) -> str | None:
        """The earlier call's cache id when this token was seen with these parameters."""
        if token is None:
            return None
        seen = self.client_tokens.get(_token_key(account_id, region_id, action, token))
        if seen is None:
            return None
        if seen["params"] != _fingerprint(params, cache_id):
            raise IdempotentParameterMismatch(
                f"The ClientToken {token!r} was already used for {action} with other parameters."
            )
        return str(seen["cache_id"])

    def _remember(
        self,
        token: str | None,
        action: str,
        account_id: str,
        region_id: str,
        params: Mapping[str, Any],
        result: str,
        cache_id: str = "",
    ) -> None:
        if token is not None:
            self.client_tokens[_token_key(account_id, region_id, action, token)] = {
                "params": _fingerprint(params, cache_id),
                "cache_id": result,
            }

    # -- persistence ----------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """Everything a restart must not lose, as JSON-able data (the call log is not)."""
        return {
            "caches": [
                asdict(cache)
                for regions in self.caches.values()
                for caches in regions.values()
                for cache in caches.values()
            ],
            "client_tokens": self.client_tokens,
            "unpullable": self.unpullable,
            "clock_offset": self.clock_offset,
            "iam": self.iam.to_state(),
        }

    def load_state(self, state: Mapping[str, Any]) -> None:
        """Restore ``to_state``'s data; a state written before accounts existed (caches
        under ``regions``, ClientTokens without an account) lands in the default account."""
        default = self.default_account_id
        before_accounts = "caches" not in state
        if before_accounts:
            caches = [
                {**c, "account_id": default} for r in state.get("regions", {}).values() for c in r
            ]
        else:
            caches = list(state["caches"])
        self.caches = {}
        for fields in caches:
            cache = ImageCache(**fields)
            regions = self.caches.setdefault(cache.account_id, {})
            regions.setdefault(cache.region_id, {})[cache.cache_id] = cache
        self.client_tokens = {
            f"{default}/{key}" if before_accounts else key: seen
            for key, seen in state.get("client_tokens", {}).items()
        }
        self.unpullable = dict(state.get("unpullable", {}))
        self.clock_offset = float(state.get("clock_offset", 0.0))
        self.iam.load_state(state.get("iam", {}))


def _token_key(account_id: str, region_id: str, action: str, token: str) -> str:
    return f"{account_id}/{region_id}/{action}/{token}"


def _fingerprint(params: Mapping[str, Any], cache_id: str) -> str:
    return json.dumps({"id": cache_id, "params": params}, sort_keys=True)
