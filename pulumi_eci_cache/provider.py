"""The Pulumi dynamic provider behind ``ImageCache``: check, diff, create, read, update, delete.

Design rules (see docs/architecture.md and the dynamic-provider facts):
- The provider instance is pickled into the state, so it holds NOTHING: the stack
  config, the client and the credentials live in this module, once per provider
  process (``_Runtime``), resolved in ``configure()`` / on first use.
- ``check`` validates with the input model and makes no API call.
- ``diff`` is the pure rules of diff.py; its reasons go to the resource they explain.
- What the user sees (status on the resource's row, lasting lines) goes through
  engine_log.py.
- ``create`` is crash-safe: every cache carries a tag naming its Pulumi resource and
  who creates it (identity.py), so a create that dies after the service accepted it
  is adopted on the next run, never duplicated -- and only when the cache is surely
  its own (adoption.py): anything else bearing the identity stops the create with a
  message naming it. Within a run, retries reuse one ClientToken.
  ``adopt_image_cache_id`` takes over an existing cache deliberately.
- Expected failures carry the cache they concern (``EciCacheError.about``) and reach
  the user as one message (server_hooks.py).
- Waiting goes through the process-wide poller (one Describe round for all caches).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from pulumi_eci_cache.cloud.client import EciClient, is_not_found
from pulumi_eci_cache.cloud.credentials import Settings, resolve_settings
from pulumi_eci_cache.cloud.poller import PolledCache, SharedPoller
from pulumi_eci_cache.cloud.ratelimit import AdaptiveRateLimiter
from pulumi_eci_cache.cloud.waiter import PollSchedule, ProgressReporter, Waiter
from pulumi_eci_cache.engine import log as engine_log
from pulumi_eci_cache.engine.dynamic import detailed_diff, server_hooks
from pulumi_eci_cache.engine.dynamic.concurrency import (
    DEFAULT_MAX_WORKERS,
    SDK_WORKERS,
    lift_worker_ceiling,
)
from pulumi_eci_cache.errors import AdoptionError, BuildFailedError, EciCacheError
from pulumi_eci_cache.rules.adoption import bearing_identity, plan_adoption
from pulumi_eci_cache.rules.diff import plan_diff
from pulumi_eci_cache.rules.identity import IDENTITY_TAG, identity_tag_value, principal
from pulumi_eci_cache.rules.model import ImageCacheSpec, check_inputs, spec_from_inputs
from pulumi_eci_cache.rules.retry import RetryPolicy

__all__ = ["IDENTITY_KEY", "IDENTITY_TAG", "ImageCacheProvider", "outputs_from_cache"]

IDENTITY_KEY = "__identity"  # input holding "organization/project/stack/resource-name"
CONFIG_PREFIXES = ("alicloud:", "eci-cache:")
# The poller's own retry: one quick second try, then the round is skipped and retried.
POLLER_RETRY = RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=1.0)
# CreateImageCache takes these; UpdateImageCache cannot (changing them replaces).
CREATE_ONLY = ("ZoneId", "InsecureRegistry", "PlainHttpRegistry")
# Sent on update when the user no longer sets the field (RetentionDays has no
# "never expires" value to send back: removing it keeps the current retention).
UPDATE_DEFAULTS: Mapping[str, Any] = {
    "ImageCacheSize": 20,
    "AutoMatchImageCache": False,
    "Flash": False,
    "EliminationStrategy": "",
}

# The API's cache fields and the output names they become (one mapping, both ways).
LIVE_OUTPUTS: Mapping[str, str] = {
    "ImageCacheId": "image_cache_id",
    "Status": "status",
    "Progress": "progress",
    "SnapshotId": "snapshot_id",
    "FlashSnapshotId": "flash_snapshot_id",
    "ContainerGroupId": "container_group_id",
    "CreationTime": "creation_time",
    "ExpireDateTime": "expire_date_time",
    "LastMatchedTime": "last_matched_time",
    "RegionId": "region_id",
}
EVENT_KEYS: Mapping[str, str] = {
    "Name": "name",
    "Reason": "reason",
    "Message": "message",
    "Type": "type",
    "Count": "count",
    "FirstTimestamp": "first_timestamp",
    "LastTimestamp": "last_timestamp",
}


class _Runtime:
    """Process-wide state of the provider process: config, one client, one poller."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.config: dict[str, Any] = {}
        self.client: EciClient | None = None
        self.settings: Settings | None = None
        self.poller: SharedPoller | None = None
        self.limiter = AdaptiveRateLimiter()
        self.ids_in_state: set[str] = set()

    def configure(self, config: Mapping[str, Any]) -> None:
        with self.lock:
            self.config = dict(config)
            if self.client is not None:
                self.client.close()
            self.client, self.settings, self.poller = None, None, None

    def number(self, key: str, default: float) -> float:
        value = self.config.get(key)
        return float(value) if value not in (None, "") else default

    @property
    def unreachable_seconds(self) -> float:
        """How long to keep trying an endpoint that does not answer at all."""
        return self.number("eci-cache:unreachableTimeoutSeconds", 60.0)

    @property
    def schedule(self) -> PollSchedule:
        return PollSchedule(
            floor=self.number("eci-cache:pollFloorSeconds", PollSchedule.floor),
            ceiling=self.number("eci-cache:pollCeilingSeconds", PollSchedule.ceiling),
            first=self.number("eci-cache:pollFirstSeconds", PollSchedule.first),
        )

    def get_client(self) -> EciClient:
        with self.lock:
            if self.client is None:
                rate = self.number("eci-cache:maxRequestsPerSecond", 10.0)
                self.limiter = AdaptiveRateLimiter(rate=rate, burst=max(1.0, rate / 2))
                self.settings = resolve_settings(self.config)
                self.client = EciClient(
                    self.settings,
                    retry=RetryPolicy(max_transport_seconds=self.unreachable_seconds),
                    rate_limiter=self.limiter,
                    on_retry=_say,
                )
            return self.client

    def identity_tag(self, props: Mapping[str, Any]) -> tuple[str | None, bool]:
        """The identity tag value for a new cache of this resource, and whether a cache
        bearing it may be this resource's own (False: no stable principal, see
        identity.py)."""
        resource = props.get(IDENTITY_KEY)
        if not resource:
            return None, False
        self.get_client()
        assert self.settings is not None
        who = principal(self.settings.credentials(), self.settings.role)
        return identity_tag_value(str(resource), who), who is not None

    def get_poller(self) -> SharedPoller:
        client = self.get_client()
        with self.lock:
            if self.poller is None:
                floor, limiter = self.schedule.floor, self.limiter
                self.poller = SharedPoller(
                    lambda: client.describe_image_caches(retry=POLLER_RETRY, quiet=True),
                    unreachable_after=self.unreachable_seconds,
                    report=_say,
                    # Rounds take at most a third of the request budget, and less while
                    # creates and updates queue for a token: they come first.
                    min_interval=lambda: max(floor, (3.0 + limiter.waiting) / limiter.rate),
                )
            return self.poller

    def look(self, cache_id: str) -> dict[str, Any] | None:
        """The cache as the next polling round sees it (shared with every other caller)."""
        return self.get_poller().observe(cache_id, time.monotonic())

    def recent_caches(self) -> dict[str, dict[str, Any]]:
        """Every cache as a round started within the last polling interval saw it.

        The crash-recovery lookups of creates that arrive together share one round, even
        one already under way, instead of each waiting an interval for the next: the
        cache an interrupted earlier run left behind is in any round this process runs.
        """
        return self.get_poller().snapshot(time.monotonic() - self.schedule.floor)


RUNTIME = _Runtime()


def _user_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if not k.startswith("__")}


def outputs_from_cache(cache: Mapping[str, Any]) -> dict[str, Any]:
    """Everything Describe tells us about a cache, under output names."""
    outs: dict[str, Any] = {out: cache.get(api) for api, out in LIVE_OUTPUTS.items()}
    outs["events"] = [
        {out: event.get(api) for api, out in EVENT_KEYS.items() if event.get(api) is not None}
        for event in cache.get("Events") or []
    ]
    return outs


def live_inputs(cache: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """The stored inputs with every field Describe can see replaced by the live value.

    Write-only fields (zone, vSwitch, credentials, registries, ...) cannot be read
    back, so they keep their stored value: drift shows only on what the API returns.
    """
    from pulumi_eci_cache.rules.images import same_images

    inputs = dict(stored)
    live_images = list(cache.get("Images") or [])
    if not same_images(live_images, list(stored.get("images") or [])):
        inputs["images"] = live_images
    for api, name in (
        ("ImageCacheName", "image_cache_name"),
        ("ImageCacheSize", "image_cache_size"),
        ("ResourceGroupId", "resource_group_id"),
        ("EliminationStrategy", "elimination_strategy"),
    ):
        live = cache.get(api)
        if live not in (None, "") or stored.get(name) not in (None, ""):
            inputs[name] = live if live not in ("",) else None
    tags = {
        str(t.get("Key")): str(t.get("Value", ""))
        for t in cache.get("Tags") or []
        if t.get("Key") != IDENTITY_TAG
    }
    if tags or stored.get("tags"):
        inputs["tags"] = tags
    return {k: v for k, v in inputs.items() if v is not None}


def _say(line: str) -> None:
    """A line about the provider's own work (retries, an endpoint not answering): under
    the resource whose call is waiting, or printed whole."""
    engine_log.note("pulumi-eci-cache", line)


def _api_request(spec: ImageCacheSpec, identity_tag: str | None) -> dict[str, Any]:
    """The Contract-1 dict to send, with the identity tag."""
    api = spec.to_api()
    tags = [t for t in api.get("Tags", []) if t["Key"] != IDENTITY_TAG]
    if identity_tag:
        tags.append({"Key": IDENTITY_TAG, "Value": identity_tag})
    if tags:
        api["Tags"] = tags
    return api


def _update_request(spec: ImageCacheSpec, identity_tag: str | None) -> dict[str, Any]:
    """The full desired spec for UpdateImageCache: a field the user removed goes back to
    the API default; the create-only fields are left out."""
    api = {**UPDATE_DEFAULTS, **_api_request(spec, identity_tag)}
    for field in CREATE_ONLY:
        api.pop(field, None)
    return api


def _tag_of(cache: Mapping[str, Any] | None) -> str | None:
    """The identity tag a cache bears (kept as it is when we update the cache)."""
    for tag in (cache or {}).get("Tags") or []:
        if tag.get("Key") == IDENTITY_TAG:
            return str(tag.get("Value"))
    return None


@contextlib.contextmanager
def _about(subject: str) -> Iterator[None]:
    """Expected failures inside name the cache they concern."""
    try:
        yield
    except EciCacheError as exc:
        exc.about(subject)
        raise


class ImageCacheProvider(ResourceProvider):
    """Stateless by design: see the module docstring."""

    def configure(self, req: ConfigureRequest) -> None:
        raw = getattr(req.config, "_props", {}) or {}
        RUNTIME.configure({k: v for k, v in raw.items() if k.startswith(CONFIG_PREFIXES)})
        workers = int(RUNTIME.number("eci-cache:maxConcurrentOperations", DEFAULT_MAX_WORKERS))
        if workers > SDK_WORKERS:
            lift_worker_ceiling(workers)
        server_hooks.install()

    # -- preview ----------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        outcome = check_inputs(_user_inputs(news))
        inputs = dict(outcome.inputs)
        for key, value in news.items():
            if key.startswith("__"):
                inputs[key] = value
        failures = [CheckFailure(f.property, f.reason) for f in outcome.failures]
        return CheckResult(inputs, failures)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        RUNTIME.ids_in_state.add(_id)
        plan = plan_diff(_user_inputs(_olds), _user_inputs(_news))
        detailed_diff.remember(plan, _olds, _news)
        label = _news.get("image_cache_name") or _id
        for change in plan.changes:
            engine_log.note(engine_log.cache_label(label, _id), change.reason)
        return DiffResult(
            changes=plan.has_changes,
            replaces=list(plan.replaces),
            stables=[],
            delete_before_replace=False,
        )

    # -- create / update --------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = spec_from_inputs(_user_inputs(props))
        name, timeout = spec.image_cache_name, float(spec.timeout_seconds)
        with _about(name):
            client = RUNTIME.get_client()
            tag, may_adopt = RUNTIME.identity_tag(props)
            if spec.adopt_image_cache_id:
                cache = self._take_over(spec, props, tag, timeout)
                return CreateResult(cache["ImageCacheId"], {**props, **outputs_from_cache(cache)})
            cache_id = self._own_orphan(client, spec, tag, timeout) if may_adopt else None
            if cache_id is None:
                # A fresh ClientToken per create: the client keeps it across its retries
                # (a lost answer never makes a second cache); across runs the identity
                # tag finds the cache again. A token derived from the inputs would make
                # the service replay a cache destroyed since (same inputs, same token).
                cache_id = client.create_image_cache(_api_request(spec, tag)).image_cache_id
                engine_log.note(engine_log.cache_label(name, cache_id), f"creating {cache_id}")
        with _about(f"{name} ({cache_id})"):
            try:
                cache = self._wait_ready(cache_id, name, timeout)
            except BuildFailedError:
                self._delete_and_wait(client, cache_id, timeout, name)
                raise
        return CreateResult(cache_id, {**props, **outputs_from_cache(cache)})

    def _own_orphan(
        self, client: EciClient, spec: ImageCacheSpec, tag: str | None, timeout: float
    ) -> str | None:
        """The cache a crashed earlier run of this very resource created, if surely ours."""
        if tag is None:
            return None
        # One shared round answers the lookups of every create running at this moment.
        snapshot = RUNTIME.recent_caches()
        name = spec.image_cache_name
        plan = plan_adoption(
            bearing_identity(snapshot, tag),
            name=name,
            images=spec.images,
            timeout=timeout,
            now=time.time(),
            seen_ids=RUNTIME.ids_in_state,
        )
        for failed in plan.delete:
            label = engine_log.cache_label(name, failed)
            engine_log.note(label, f"deleting {failed}, the failed cache an interrupted run made")
            self._delete_and_wait(client, failed, timeout)
        if plan.refusal is not None:
            raise AdoptionError(plan.refusal)
        if plan.adopt is not None:
            label = engine_log.cache_label(name, plan.adopt)
            engine_log.note(label, f"adopting {plan.adopt}, the cache an interrupted run created")
        return plan.adopt

    def _take_over(
        self, spec: ImageCacheSpec, props: Mapping[str, Any], tag: str | None, timeout: float
    ) -> Mapping[str, Any]:
        """``adopt_image_cache_id``: an existing cache becomes this resource's, brought to
        the spec where Describe shows it differs (write-only fields are taken as given)."""
        name, cache_id = spec.image_cache_name, str(spec.adopt_image_cache_id)
        cache: Mapping[str, Any] | None = RUNTIME.look(cache_id)
        if cache is None:
            raise AdoptionError(
                f'adopt_image_cache_id "{cache_id}": no such image cache in this region '
                "(expired, evicted or deleted?); remove adopt_image_cache_id to create a "
                "new cache, or name an existing one"
            )
        label = engine_log.cache_label(name, cache_id)
        engine_log.note(label, f"taking over {cache_id} (adopt_image_cache_id)")
        if cache.get("Status") == "Failed":
            raise AdoptionError(
                f'adopt_image_cache_id "{cache_id}": the cache is Failed and cannot be '
                "used; delete it and remove adopt_image_cache_id to build a new one"
            )
        if cache.get("Status") not in ("Ready", "UpdateFailed"):
            cache = self._wait_ready(cache_id, name, timeout)
        desired = _user_inputs(props)
        drift = plan_diff(live_inputs(cache, desired), desired)
        if not drift.api_changes and cache.get("Status") == "Ready":
            return cache
        RUNTIME.get_client().update_image_cache(
            cache_id, _update_request(spec, _tag_of(cache) or tag)
        )
        engine_log.status(label, "Updating", "to this resource's spec")
        return self._wait_ready(cache_id, name, timeout)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        plan = plan_diff(_user_inputs(_olds), _user_inputs(_news))
        spec = spec_from_inputs(_user_inputs(_news))
        name, timeout = spec.image_cache_name, float(spec.timeout_seconds)
        with _about(f"{name} ({_id})"):
            current: Mapping[str, Any] | None = RUNTIME.look(_id)
            if not plan.api_changes:
                return UpdateResult({**_news, **(outputs_from_cache(current) if current else {})})
            # UpdateImageCache is refused while the cache is still building: wait first.
            if current is not None and current.get("Status") not in ("Ready", "UpdateFailed"):
                current = self._wait_ready(_id, name, timeout)
            tag = _tag_of(current) or RUNTIME.identity_tag(_news)[0]
            RUNTIME.get_client().update_image_cache(_id, _update_request(spec, tag))
            engine_log.status(engine_log.cache_label(name, _id), "Updating")
            cache = self._wait_ready(_id, name, timeout)
        return UpdateResult({**_news, **outputs_from_cache(cache)})

    # -- refresh / delete -------------------------------------------------------------

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with _about(f"{props.get('image_cache_name') or 'image cache'} ({id_})"):
            cache = RUNTIME.look(id_)
        if cache is None:
            return ReadResult("", {})
        stored_inputs = {k: v for k, v in props.items() if k in ImageCacheSpec.model_fields}
        inputs = live_inputs(cache, stored_inputs)
        for key, value in props.items():
            if key.startswith("__") and key != "__provider":
                inputs[key] = value
        return ReadResult(id_, {**props, **inputs, **outputs_from_cache(cache)}, inputs)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        timeout = 3600.0
        with contextlib.suppress(ValueError, EciCacheError):
            timeout = float(spec_from_inputs(_user_inputs(_props)).timeout_seconds)
        name = _props.get("image_cache_name")
        with _about(engine_log.cache_label(name, _id)):
            self._delete_and_wait(RUNTIME.get_client(), _id, timeout, name)

    # -- helpers ----------------------------------------------------------------------

    @staticmethod
    def _waiter(cache_id: str, timeout: float, name: str | None = None) -> Waiter:
        """A waiter fed by the process-wide poller (one Describe round for everyone)."""
        view = PolledCache(RUNTIME.get_poller(), cache_id)
        label = engine_log.cache_label(name, cache_id)
        reporter = ProgressReporter(label, engine_log.status, engine_log.warn) if name else None
        return Waiter(
            fetch=view.fetch,
            sleep=view.sleep,
            expect=view.expect,
            timeout=timeout,
            schedule=RUNTIME.schedule,
            on_poll=reporter.report if reporter else None,
        )

    def _wait_ready(self, cache_id: str, name: str, timeout: float) -> Mapping[str, Any]:
        return self._waiter(cache_id, timeout, name).until_ready(cache_id)

    def _delete_and_wait(
        self, client: EciClient, cache_id: str, timeout: float, name: str | None = None
    ) -> None:
        engine_log.status(engine_log.cache_label(name, cache_id), "Deleting")
        try:
            client.delete_image_cache(cache_id)
        except EciCacheError as exc:
            if not is_not_found(exc):
                raise
        self._waiter(cache_id, timeout).until_gone(cache_id)
