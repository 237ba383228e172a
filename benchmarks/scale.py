#!/usr/bin/env python
"""Scale benchmark (issue 5, "fifty caches as fast as one"; issue 10, what users get).

Every variant gets its own fresh, served ECI emulator (in this process). Variants
(a)-(e) switch its QPS limit on (``--qps``/``--burst``, default 5 requests/s, burst 5)
and build in ``--build-seconds``, standing for a 10-minute build, so every polling
delay is multiplied by the same factor ``scale = build_seconds / 600`` (the API rate
limits are NOT scaled: see "fairness"). Variants (f), (g) and (h) scale nothing: they show
what a user gets, through the SDK's provider server and under the real CLI.

  (a) this provider: N concurrent gRPC Create calls to ONE ``python -m pulumi.dynamic``
      process (tests/support/provider_server.py), default config (worker ceiling
      lifted, shared poller, adaptive rate limiter at its 10 rps default), with the
      polling knobs eci-cache:pollFloorSeconds / pollFirstSeconds / pollCeilingSeconds
      scaled (2 s / 5 s / 60 s times ``scale``).
  (b) terraform-provider-alicloud's pattern: one thread per resource, CreateImageCache
      then its own DescribeImageCaches(ImageCacheId) loop with Terraform's
      StateChangeConf schedule, no client-side rate limiter, a throttling error fails
      the resource (see TF_* below for the sources).
  (c) like (a) with eci-cache:maxConcurrentOperations = 4: the SDK's four gRPC workers.
  (d) ``pulumi preview --non-interactive`` under the real CLI of a stack of 100
      ImageCache resources vs a stack of 100 trivial dynamic resources (median of 3).
  (f) what a user gets from the schedule, nothing scaled: like (a) with the provider's
      default polling (2 s floor, 5 s first look, 60 s ceiling) and no emulator QPS
      limit, one create and then ``--schedule-caches`` (20) at once, builds of
      ``--schedule-build-seconds`` (6): wall of N vs one, each create's return after
      its own start plus the build, return after Ready (median, worst), Describe calls.
  (g) ``pulumi up --yes --skip-preview --json --parallel 64`` under the real CLI of
      ``--cli-caches`` (50) caches building ``--cli-build-seconds`` (30), emulator
      served in this process without a QPS limit, default config, through each face
      of ``--cli-faces``: the dynamic provider (the Python program
      benchmarks/programs/caches) and the plugin ``pulumi-resource-ecicache`` (a Pulumi
      YAML program of ``ecicache:ImageCache`` resources, written out by ``yaml_program``:
      YAML has no loops). ``--cli-repeats`` (3) ups per face, interleaved (dynamic,
      plugin, dynamic, ...), each against its own fresh emulator. Per face: the whole
      ``up`` (``Popen`` to exit; median, and every run), and for its median run each
      create's return (the engine's ``resOutputsEvent``, timed as the JSON stream
      arrives) after its cache became Ready (the emulator's build end), with the
      polling rounds started in between (1 = the round that saw it Ready). The ratio
      plugin / dynamic is of the medians. Then each provider's start-up, the time from
      starting ``pulumi-resource-ecicache 127.0.0.1:0`` or ``python -m pulumi.dynamic
      127.0.0.1:0`` (the venv's) to the port it prints on stdout, which the engine
      waits for: ``--startup-repeats`` (7) starts of each, interleaved, median.
  (h) the engine's slots: the same ``pulumi up`` of (g) without ``--parallel``
      (PULUMI_PARALLEL is never set: the CLI's default, 4 x the CPUs it may use) and
      with ``--parallel`` ``--cli-parallel`` (64), one up each, per face. Per up: the
      whole ``up``; the waves (sorted returns, a new wave after a gap of more than a
      third of the build); the most creates running at once (between their
      ``resourcePreEvent`` and ``resOutputsEvent``); whether the provider's slot line
      (lifecycle/slots.py: "all N of the engine's parallel slots ...") was in the
      output, and when. ``--picture`` (docs/images/parallel-slots.png) draws caches
      Ready over time (x: seconds from the start of ``up``; y: creates returned, from
      the same event times), one line per setting (colour) and face (dash); needs
      matplotlib (the ``dev`` extra), imported only there.

  Every CLI run also records the 1-minute load average at its start and end: the
  machine may be shared, and the load says how noisy a figure is.

How things are measured (all clocks are this machine's ``time.time()``):

- Every request that reaches the emulator is recorded (arrival time, Action, the kind
  of Describe, HTTP status, error Code) by a subclass of the emulator's own
  ``EciResponses`` put in place of the served handler's; nothing is added to the
  emulator. Throttled requests are the ones answered ``Throttling*``.
- Polling rounds of (a)/(c): the provider's shared poller is the only caller of
  DescribeImageCaches without a filter; each round is one such call without NextToken
  (first page) plus one call per further page (with NextToken). The adopt-after-crash
  lookups of the creates are answered from those rounds (a Describe filtered by tag
  would be counted apart). So
  rounds = unfiltered first-page Describe calls answered 200, and Describe calls per
  round = every unfiltered Describe request (first pages, further pages, and the
  throttled attempts the client retried) / rounds.
- For (b) a "round" is every waiting resource polling once; Describe calls per round =
  all per-id Describe requests / the most polls any one resource made.
- Ready time of a cache = ``build_started + build_seconds`` of the emulator's cache
  model (its Ready/"Succeeded" event carries the same instant, to the second). Lag =
  when the create returned to the caller (gRPC answer received, or the TF loop done)
  minus that Ready time.
- Wall time = first create sent -> last create returned (success or failure).

Fairness: delays are scaled, API rates are not. Creating N caches through a 5 rps API
costs the same real seconds whatever the build time, so short builds exaggerate that
fixed cost (the "accepted by" column shows it); and per-resource polling (b) at scaled
intervals asks 1/scale times more requests per second than it would at full scale.

Usage: .venv/bin/python benchmarks/scale.py [--caches 50] [--build-seconds 60]
       [--qps 5] [--burst 5] [--variants a,b,c,d,f,g,h] [--json results.json]
       [--schedule-caches 20] [--schedule-build-seconds 6]
       [--cli-caches 50] [--cli-build-seconds 30] [--cli-parallel 64]
       [--cli-faces dynamic,plugin] [--cli-repeats 3] [--startup-repeats 7]
       [--picture docs/images/parallel-slots.png]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import itertools
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make the repo importable
    sys.path.insert(0, str(REPO))

import grpc  # noqa: E402

from pulumi_eci_cache.cloud.client import EciClient, static_settings  # noqa: E402
from pulumi_eci_cache.emulator import (  # noqa: E402
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EciBackend,
    EciResponses,
    EmulatorResponse,
    EmulatorServer,
)
from pulumi_eci_cache.errors import ApiError, EciCacheError  # noqa: E402
from pulumi_eci_cache.lifecycle.slots import default_parallel  # noqa: E402
from pulumi_eci_cache.provider import ImageCacheProvider  # noqa: E402
from pulumi_eci_cache.rules.identity import IDENTITY_KEY  # noqa: E402
from pulumi_eci_cache.rules.retry import NO_RETRY  # noqa: E402
from tests.support.provider_server import ProviderServer, grpc_error_text  # noqa: E402

REFERENCE_BUILD = 600.0  # the 10-minute build that --build-seconds stands for
REGION = "cn-hangzhou"
CREATE = "CreateImageCache"
DESCRIBE = "DescribeImageCaches"

# The provider's own schedule defaults (pulumi_eci_cache.cloud.waiter.PollSchedule), scaled.
POLL_FLOOR, POLL_FIRST, POLL_CEILING = 2.0, 5.0, 60.0

# (b) terraform-provider-alicloud, read with the search tools (reference only):
# - alicloud/resource_alicloud_eci_image_cache.go, resourceAlicloudEciImageCacheCreate:
#   one eciClient.CreateImageCache(request) with no resource.Retry around it (an error
#   is returned as is), then
#   BuildStateConf([]string{"Preparing", "Creating"}, []string{"Ready"},
#                  d.Timeout(schema.TimeoutCreate) /* DefaultTimeout(60 * time.Minute) */,
#                  10*time.Second, eciService.EciImageCacheStateRefreshFunc(d.Id(),
#                  []string{"Failed"})).WaitForState()
#   and finally resourceAlicloudEciImageCacheRead (one more DescribeEciImageCache).
# - alicloud/common.go BuildStateConf: Delay = the 10 s above, MinTimeout: 3*time.Second.
# - alicloud/service_alicloud_eci.go DescribeEciImageCache: DescribeImageCaches with
#   ImageCacheId = id, no retry; EciImageCacheStateRefreshFunc returns any error other
#   than NotFound as is, and an error for a status in failStates ("Failed").
# - The Go SDK's AutoRetry (connectivity getSdkConfig: WithMaxRetryTime(...)) retries
#   only timeouts and HTTP >= 500 (sdk client.go isServerError); Throttling.User is
#   HTTP 400, so it is not retried.
# - hashicorp/terraform-plugin-sdk helper/resource/state.go WaitForStateContext: wait
#   Delay, refresh at once, then wait 100 ms doubling after every refresh, bounded to
#   [MinTimeout, 10 s]; a Refresh error ends the wait with that error (the resource
#   fails); NotFoundChecks defaults to 20; a state neither pending nor target fails.
# Terraform core would also run at most 10 resources at once (-parallelism=10); the
# brief asks for one thread per resource, so that limit is not modelled.
TF_DELAY = 10.0
TF_MIN_TIMEOUT = 3.0
TF_MAX_WAIT = 10.0
TF_FIRST_WAIT = 0.1
TF_CREATE_TIMEOUT = 3600.0
TF_NOT_FOUND_CHECKS = 20
TF_PENDING = ("Preparing", "Creating")


# --------------------------------------------------------------------------- recording


@dataclass(frozen=True)
class Call:
    """One request as the emulator saw it."""

    at: float
    action: str
    kind: str  # Action, or for Describe: round | page | by-id | by-tag
    status: int
    code: str
    ready: frozenset[str] = frozenset()  # for Describe: the caches it answered as Ready

    @property
    def throttled(self) -> bool:
        return self.code.startswith("Throttling")


def describe_kind(params: Mapping[str, str]) -> str:
    action = params.get("Action", "?")
    if action != DESCRIBE:
        return action
    if params.get("ImageCacheId"):
        return "by-id"
    if any(key.startswith("Tag.") for key in params):
        return "by-tag"
    if params.get("NextToken"):
        return "page"
    return "round"


class RecordingResponses(EciResponses):
    """The emulator's handler, unchanged, plus a log of every request it answered."""

    def __init__(self, backend: EciBackend) -> None:
        super().__init__(backend)
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> EmulatorResponse:
        at = time.time()
        answer = super().handle(method, url, headers, body)
        params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        if body and method.upper() == "POST":
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        code = ""
        if answer.status >= 400 or answer.drop:
            try:
                code = str(answer.json().get("Code", ""))
            except (ValueError, AttributeError):
                code = "dropped" if answer.drop else f"HTTP{answer.status}"
        ready: frozenset[str] = frozenset()
        if params.get("Action") == DESCRIBE and answer.status == 200:
            caches = answer.json().get("ImageCaches") or []
            ready = frozenset(c["ImageCacheId"] for c in caches if c.get("Status") == "Ready")
        with self._lock:
            self.calls.append(
                Call(
                    at,
                    params.get("Action", "?"),
                    describe_kind(params),
                    answer.status,
                    code,
                    ready,
                )
            )
        return answer


class Emulator:
    """A served emulator in this process, throttled, with its requests recorded."""

    def __init__(self, build_seconds: float, qps: float, burst: int) -> None:
        self.backend = EciBackend(build_seconds=build_seconds)
        self.server = EmulatorServer(backend=self.backend)
        httpd = getattr(self.server, "_httpd", None)
        if httpd is None or not isinstance(getattr(httpd, "responses", None), EciResponses):
            raise RuntimeError(
                "EmulatorServer no longer keeps its handler at ._httpd.responses: "
                "benchmarks/scale.py cannot record the emulator's requests"
            )
        self.recorder = RecordingResponses(self.backend)
        httpd.responses = self.recorder
        if qps > 0:
            self.backend.faults.throttle(qps, burst)

    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> Emulator:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def calls(self) -> list[Call]:
        with self.recorder._lock:
            return list(self.recorder.calls)

    def ready_times(self) -> dict[str, float]:
        """Cache id -> when the emulator (will) consider its create build Ready."""
        with self.backend.lock:
            return {
                cache.cache_id: cache.build_started + cache.build_seconds
                for cache in self.backend.all_caches()
                if cache.build_kind == "create"
            }

    def env(self) -> dict[str, str]:
        return {
            "ECI_CACHE_ENDPOINT": self.url,
            "ALIBABA_CLOUD_REGION_ID": REGION,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
        }


# ----------------------------------------------------------------------------- results


@dataclass
class Outcome:
    """One resource's create as its caller saw it."""

    name: str
    ok: bool
    finished: float
    cache_id: str = ""
    error: str = ""
    throttled: bool = False
    polls: int = 0
    started: float | None = None  # when this create was sent (None: with everyone's)


@dataclass
class VariantResult:
    key: str
    title: str
    caches: int
    build_seconds: float
    wall_seconds: float
    succeeded: int
    failed: int
    throttling_errors_to_user: int
    errors: list[str]
    calls: dict[str, int]  # every request per Action (throttled ones included)
    throttled_calls: dict[str, int]
    describe_kinds: dict[str, int]
    polling_rounds: int | None
    describe_per_round: float | None  # every polling Describe request / rounds
    describe_per_round_answered: float | None  # answered ones only (1 + extra pages)
    round_interval_median: float | None
    lag_median: float | None
    lag_worst: float | None
    creates_accepted_by: float | None  # last CreateImageCache answered 200, from start
    # the latest any create returned after its own start plus the build time
    worst_over_build: float | None = None
    config: dict[str, str] = field(default_factory=dict)
    provider_log_tail: list[str] = field(default_factory=list)
    # every request: [seconds from start, kind, HTTP status]; create returns: [s, name, ok]
    timeline: list[tuple[float, str, int]] = field(default_factory=list)
    returns: list[tuple[float, str, bool]] = field(default_factory=list)


@dataclass
class PreviewResult:
    key: str
    resources: int
    repeats: int
    caches_seconds: list[float]
    trivial_seconds: list[float]
    caches_median: float
    trivial_median: float
    ratio: float
    api_calls_during_preview: int
    pulumi_version: str


@dataclass
class Skipped:
    key: str
    reason: str


def summarise(
    key: str,
    title: str,
    build_seconds: float,
    started: float,
    outcomes: Sequence[Outcome],
    calls: Sequence[Call],
    ready: Mapping[str, float],
    *,
    shared_poller: bool,
    config: Mapping[str, str] | None = None,
    log_tail: Sequence[str] = (),
) -> VariantResult:
    per_action = Counter(c.action for c in calls)
    throttled = Counter(c.action for c in calls if c.throttled)
    kinds = Counter(c.kind for c in calls if c.action == DESCRIBE)
    ok = [o for o in outcomes if o.ok]
    lags = [o.finished - ready[o.cache_id] for o in ok if o.cache_id in ready]
    accepted = [c.at for c in calls if c.action == CREATE and c.status == 200]

    rounds: int | None = None
    per_round = per_round_answered = interval = None
    if shared_poller:
        starts = sorted(c.at for c in calls if c.kind == "round" and c.status == 200)
        rounds = len(starts)
        polling = [c for c in calls if c.kind in ("round", "page")]
        if rounds:
            per_round = len(polling) / rounds
            per_round_answered = sum(1 for c in polling if c.status == 200) / rounds
        if len(starts) > 1:
            interval = statistics.median(b - a for a, b in itertools.pairwise(starts))
    else:
        most_polls = max((o.polls for o in outcomes), default=0)
        if most_polls:
            rounds = most_polls
            per_round = kinds["by-id"] / most_polls
            answered = sum(1 for c in calls if c.kind == "by-id" and c.status == 200)
            per_round_answered = answered / most_polls

    errors: list[str] = []
    for outcome in outcomes:
        if not outcome.ok and outcome.error not in errors and len(errors) < 3:
            errors.append(outcome.error)
    return VariantResult(
        key=key,
        title=title,
        caches=len(outcomes),
        build_seconds=build_seconds,
        wall_seconds=max((o.finished for o in outcomes), default=started) - started,
        succeeded=len(ok),
        failed=len(outcomes) - len(ok),
        throttling_errors_to_user=sum(1 for o in outcomes if not o.ok and o.throttled),
        errors=errors,
        calls=dict(per_action),
        throttled_calls=dict(throttled),
        describe_kinds=dict(kinds),
        polling_rounds=rounds,
        describe_per_round=per_round,
        describe_per_round_answered=per_round_answered,
        round_interval_median=interval,
        lag_median=statistics.median(lags) if lags else None,
        lag_worst=max(lags) if lags else None,
        creates_accepted_by=(max(accepted) - started) if accepted else None,
        worst_over_build=max(
            (o.finished - (o.started or started) - build_seconds for o in ok), default=None
        ),
        config=dict(config or {}),
        provider_log_tail=list(log_tail),
        timeline=[(round(c.at - started, 3), c.kind, c.status) for c in calls],
        returns=[(round(o.finished - started, 3), o.name, o.ok) for o in outcomes],
    )


# ------------------------------------------------------------------ (a) and (c): provider


class DrainedProviderServer(ProviderServer):
    """tests/support's ProviderServer, with the last lines of its output as ``tail``.

    Fifty caches print progress lines; an undrained pipe would fill and block the
    provider process, so ProviderServer reads both pipes while the process runs.
    """

    def __init__(self, provider: Any, env: Mapping[str, str] | None = None) -> None:
        super().__init__(provider, env=env)
        self.tail: list[str] = []

    def close(self) -> str:
        self.tail = super().close().splitlines()[-400:]
        return "\n".join(self.tail)


def scaled_polling(scale: float) -> dict[str, str]:
    return {
        "eci-cache:pollFloorSeconds": f"{POLL_FLOOR * scale:.4f}",
        "eci-cache:pollFirstSeconds": f"{POLL_FIRST * scale:.4f}",
        "eci-cache:pollCeilingSeconds": f"{POLL_CEILING * scale:.4f}",
    }


def cache_inputs(name: str) -> dict[str, Any]:
    """What ImageCache(name, ...) hands its provider (identity included, as resource.py)."""
    return {
        "image_cache_name": name,
        "images": ["nginx:1.25", "redis:7.2"],
        "image_cache_size": 20,
        "retention_days": 7,
        IDENTITY_KEY: f"bench/scale/{name}",
    }


def run_provider_variant(
    key: str,
    title: str,
    caches: int,
    build_seconds: float,
    qps: float,
    burst: int,
    extra_config: Mapping[str, str] | None = None,
    workers: int | None = None,
    unscaled: bool = False,
) -> VariantResult:
    """N concurrent gRPC Creates to one ``python -m pulumi.dynamic`` process.

    Polling delays are scaled like the build (see the module docstring) unless
    ``unscaled``: then the provider runs its default schedule, as a user gets it.
    """
    scale = build_seconds / REFERENCE_BUILD
    config = {**({} if unscaled else scaled_polling(scale)), **(extra_config or {})}
    names = [f"cache-{i:03d}" for i in range(caches)]
    # Bound every call: the slowest plausible schedule (builds in batches of `workers`)
    # three times over, plus two minutes.
    batches = math.ceil(caches / max(1, min(caches, workers or caches)))
    deadline = batches * build_seconds * 3 + 120.0
    with Emulator(build_seconds, qps, burst) as emulator:
        server = DrainedProviderServer(ImageCacheProvider(), env=emulator.env())
        try:
            server.configure(config)
            checked = {}
            for name in names:
                inputs, failures = server.check(name, cache_inputs(name))
                if failures:
                    raise RuntimeError(f"check failed for {name}: {failures}")
                checked[name] = inputs

            def create(name: str) -> Outcome:
                sent = time.time()
                try:
                    cache_id, _ = server.create(name, checked[name], timeout=deadline)
                    return Outcome(name, True, time.time(), cache_id=cache_id, started=sent)
                except grpc.RpcError as exc:
                    text = grpc_error_text(exc)
                    throttled = "Throttl" in text
                    return Outcome(
                        name, False, time.time(), error=text, throttled=throttled, started=sent
                    )

            with ThreadPoolExecutor(max_workers=caches, thread_name_prefix=key) as pool:
                started = time.time()
                outcomes = list(pool.map(create, names))
        finally:
            server.close()
        tail = list(server.tail)[-20:]
        return summarise(
            key,
            title,
            build_seconds,
            started,
            outcomes,
            emulator.calls(),
            emulator.ready_times(),
            shared_poller=True,
            config=config,
            log_tail=tail,
        )


# ------------------------------------------------- (f) the default schedule, unscaled


@dataclass
class ScheduleResult:
    """(f): one create, then N at once, both with the provider's default schedule."""

    key: str
    build_seconds: float
    one: VariantResult
    many: VariantResult

    @property
    def wall_ratio(self) -> float:
        return self.many.wall_seconds / self.one.wall_seconds


def run_schedule_variant(
    caches: int, build_seconds: float, qps: float, burst: int
) -> ScheduleResult:
    """What a user gets: no delay scaled, one create as the yardstick for N."""
    common = (build_seconds, qps, burst)
    one = run_provider_variant("f", "one create", 1, *common, unscaled=True)
    many = run_provider_variant("f", f"{caches} creates", caches, *common, unscaled=True)
    return ScheduleResult("f", build_seconds, one, many)


# --------------------------------------------------------------------- (b) Terraform loop


def tf_create(
    client: EciClient,
    name: str,
    scale: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """One resource the way terraform-provider-alicloud creates it (see TF_* above)."""
    polls = 0
    spec = {"ImageCacheName": name, "Images": ["docker.io/library/nginx:1.25"]}
    try:
        cache_id = client.create_image_cache(spec).image_cache_id
        deadline = clock() + TF_CREATE_TIMEOUT * scale
        sleep(TF_DELAY * scale)
        wait, not_found = 0.0, 0
        while True:
            if clock() > deadline:
                raise TimeoutError(f"timeout while waiting for state to become 'Ready' ({name})")
            sleep(wait)
            if wait == 0:
                wait = TF_FIRST_WAIT * scale
            polls += 1
            found = client.describe_image_caches(ImageCacheId=cache_id)
            if not found:
                not_found += 1
                if not_found > TF_NOT_FOUND_CHECKS:
                    raise LookupError(f"couldn't find resource {cache_id} (21 retries)")
            else:
                not_found = 0
                status = str(found[0].get("Status"))
                if status == "Failed":
                    raise RuntimeError(f"{cache_id}: Failed to reach target status ({status})")
                if status == "Ready":
                    break
                if status not in TF_PENDING:
                    raise RuntimeError(f"{cache_id}: unexpected state {status!r}")
            wait *= 2
            wait = min(max(wait, TF_MIN_TIMEOUT * scale), TF_MAX_WAIT * scale)
        client.describe_image_caches(ImageCacheId=cache_id)  # resourceAlicloudEciImageCacheRead
        return Outcome(name, True, time.time(), cache_id=cache_id, polls=polls)
    except (EciCacheError, TimeoutError, LookupError, RuntimeError) as exc:
        throttled = isinstance(exc, ApiError) and exc.throttled
        return Outcome(name, False, time.time(), error=str(exc), throttled=throttled, polls=polls)


def run_terraform_variant(
    key: str, title: str, caches: int, build_seconds: float, qps: float, burst: int
) -> VariantResult:
    scale = build_seconds / REFERENCE_BUILD
    names = [f"cache-{i:03d}" for i in range(caches)]
    with Emulator(build_seconds, qps, burst) as emulator:
        settings = static_settings(
            emulator.url, REGION, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
        )
        with (
            EciClient(settings, retry=NO_RETRY, rate_limiter=None) as client,
            ThreadPoolExecutor(max_workers=caches, thread_name_prefix=key) as pool,
        ):
            started = time.time()
            outcomes = list(pool.map(lambda n: tf_create(client, n, scale), names))
        return summarise(
            key,
            title,
            build_seconds,
            started,
            outcomes,
            emulator.calls(),
            emulator.ready_times(),
            shared_poller=False,
            config={
                "delay": f"{TF_DELAY * scale:.3f}",
                "min_timeout": f"{TF_MIN_TIMEOUT * scale:.3f}",
                "max_wait": f"{TF_MAX_WAIT * scale:.3f}",
            },
        )


# ------------------------------------------------------------------------ (d) preview


def find_pulumi_cli(timeout: float = 1800.0) -> tuple[Path | None, str]:
    """The dir ``scripts/ensure-pulumi`` prints, or None and why not."""
    script = REPO / "scripts" / "ensure-pulumi"
    if not script.exists():
        return None, "scripts/ensure-pulumi does not exist (yet)"
    try:
        proc = subprocess.run(
            ["bash", str(script)],
            cwd=REPO,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
            env={**os.environ, "PULUMI_ENSURE_QUIET": "1"},
        )
    except subprocess.TimeoutExpired:
        return None, f"scripts/ensure-pulumi did not finish within {timeout:.0f}s"
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return None, f"scripts/ensure-pulumi failed ({proc.returncode}): {proc.stderr[-500:]}"
    bin_dir = Path(lines[-1])
    if not (bin_dir / "pulumi").exists():
        return None, f"no pulumi in {bin_dir}"
    return bin_dir, ""


def pulumi_version(bin_dir: Path | None) -> str:
    if bin_dir is None:
        return "n/a"
    try:
        return subprocess.run(
            [str(bin_dir / "pulumi"), "version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError):
        return "n/a"


def _project_copy(program: str, dest: Path, venv: Path) -> None:
    source = REPO / "benchmarks" / "programs" / program
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (dest / "Pulumi.yaml").write_text(
        f"name: bench-{program}\nruntime:\n  name: python\n  options:\n    virtualenv: {venv}\n"
    )


def _pulumi(
    bin_dir: Path, cwd: Path, env: Mapping[str, str], *args: str, timeout: float = 600.0
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(bin_dir / "pulumi"), *args, "--non-interactive"],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"pulumi {' '.join(args)} exited {proc.returncode}\n{proc.stdout[-2000:]}\n"
            f"{proc.stderr[-2000:]}"
        )
    return proc


def _cli_workspace(bin_dir: Path, root: Path, emulator: Emulator, resources: int) -> dict[str, str]:
    """A file backend and PULUMI_HOME under ``root``, logged in; returns the CLI's env."""
    venv = REPO / ".venv"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "ECI_"))}
    env = {
        **base,
        # The old Python language host needs the program's venv first on PATH
        # (tests/e2e/conftest.py, scripts/ensure-pulumi).
        "PATH": os.pathsep.join([str(bin_dir), str(venv / "bin"), base.get("PATH", "")]),
        "VIRTUAL_ENV": str(venv),
        "PULUMI_HOME": str(root / "home"),
        "PULUMI_BACKEND_URL": (root / "state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "benchmark",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "BENCH_RESOURCES": str(resources),
        **emulator.env(),
    }
    (root / "state").mkdir()
    (root / "home").mkdir()
    _pulumi(bin_dir, root, env, "login", (root / "state").as_uri())
    return env


def _cli_stack(
    bin_dir: Path, root: Path, env: Mapping[str, str], program: str, endpoint: str | None
) -> Path:
    """A copy of ``benchmarks/programs/<program>`` with a stack ``bench``; its directory."""
    project = root / program
    _project_copy(program, project, REPO / ".venv")
    _pulumi(bin_dir, project, env, "stack", "init", "bench")
    if endpoint is not None:
        _pulumi(bin_dir, project, env, "config", "set", "eci-cache:endpoint", endpoint)
    return project


def run_preview_variant(resources: int, repeats: int) -> PreviewResult | Skipped:
    bin_dir, why = find_pulumi_cli()
    if bin_dir is None:
        return Skipped("d", why)
    programs = ("caches", "trivial")
    times: dict[str, list[float]] = {p: [] for p in programs}
    with (
        tempfile.TemporaryDirectory(prefix="eci-bench-preview-") as tmp,
        Emulator(1.0, 0, 0) as emulator,
    ):
        root = Path(tmp)
        env = _cli_workspace(bin_dir, root, emulator, resources)
        for program in programs:
            endpoint = emulator.url if program == "caches" else None
            _cli_stack(bin_dir, root, env, program, endpoint)
        for _ in range(repeats):
            for program in programs:
                began = time.monotonic()
                _pulumi(bin_dir, root / program, env, "preview")
                times[program].append(time.monotonic() - began)
        calls = len(emulator.calls())
    caches_median = statistics.median(times["caches"])
    trivial_median = statistics.median(times["trivial"])
    return PreviewResult(
        key="d",
        resources=resources,
        repeats=repeats,
        caches_seconds=times["caches"],
        trivial_seconds=times["trivial"],
        caches_median=caches_median,
        trivial_median=trivial_median,
        ratio=caches_median / trivial_median,
        api_calls_during_preview=calls,
        pulumi_version=pulumi_version(bin_dir),
    )


# ------------------------------------------------- (g) and (h): pulumi up, real CLI


@dataclass(frozen=True)
class CliFace:
    """One face of the provider as a program reaches it under the real CLI."""

    name: str  # dynamic | plugin
    program: str  # what the user writes
    resource_type: str  # the type the engine's events carry
    endpoint_key: str  # the stack config key of the emulator's URL


CLI_FACES = {
    "dynamic": CliFace(
        "dynamic", "Python program", "pulumi-python:dynamic/eci:ImageCache", "eci-cache:endpoint"
    ),
    "plugin": CliFace("plugin", "YAML program", "ecicache:index:ImageCache", "ecicache:endpoint"),
}
SLOT_LINE = "of the engine's parallel slots"  # lifecycle/slots.py's line says this


@dataclass
class CliCreate:
    """One ImageCache create of a ``pulumi up``, in seconds from the start of ``up``."""

    urn: str
    cache_id: str
    step_started: float | None  # the engine's resourcePreEvent
    ready: float | None  # when the emulator's build ended
    returned: float  # the engine's resOutputsEvent: the provider's Create had answered
    rounds_between: int  # polling rounds that answered it Ready, up to its return


@dataclass
class CliResult:
    """One ``pulumi up`` of N caches under the real CLI (``parallel`` None: the default)."""

    key: str
    caches: int
    build_seconds: float
    parallel: int | None
    ok: bool
    up_seconds: float
    first_create_at: float | None  # first CreateImageCache reached the emulator
    creates_accepted_by: float | None
    last_ready_at: float | None
    last_return_at: float | None
    lag_median: float | None  # a create's return after its cache became Ready
    lag_worst: float | None
    rounds_between_worst: int | None
    polling_rounds: int
    round_interval_median: float | None
    calls: dict[str, int]
    creates: list[CliCreate] = field(default_factory=list)
    error: str = ""
    face: str = "dynamic"
    engine_parallel: int = 0  # what the engine ran with: --parallel, or its default
    most_running: int = 0  # creates between their step's start and return at once
    waves: list[int] = field(default_factory=list)  # creates returned per wave
    slot_line: str = ""  # the provider's "all N of the engine's parallel slots" line
    slot_line_at: float | None = None
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at the start, the end

    @property
    def setting(self) -> str:
        if self.parallel is None:
            return f"default ({self.engine_parallel})"
        return f"--parallel {self.parallel}"


@dataclass
class CliFacesResult:
    """(g): the same ``pulumi up --parallel P`` through both faces, in one run."""

    key: str
    caches: int
    build_seconds: float
    parallel: int
    runs: dict[str, list[CliResult]]  # face -> its ups, in the order they ran
    startup: dict[str, list[float]]  # provider command -> seconds until it printed its port
    ratio: float | None  # plugin / dynamic, medians of the whole up


@dataclass
class SlotsResult:
    """(h): ``pulumi up`` at the CLI's default parallelism against a raised one."""

    key: str
    caches: int
    build_seconds: float
    raised: int
    default: int  # the CLI's default --parallel on this machine
    runs: list[CliResult]
    picture: str = ""  # the PNG written, if any


Result = (
    VariantResult
    | PreviewResult
    | Skipped
    | ScheduleResult
    | CliResult
    | CliFacesResult
    | SlotsResult
)


class EventClock:
    """Reads ``pulumi up --json`` as it streams: when each create's step began and ended,
    and when (if ever) the provider's slot line showed."""

    def __init__(self, stream: Any, started: float, resource_type: str) -> None:
        self.started = started
        self.resource_type = resource_type
        self.step_started: dict[str, float] = {}
        self.returned: dict[str, tuple[float, str]] = {}  # urn -> (when, cache id)
        self.slot_line = ""
        self.slot_line_at: float | None = None
        self.tail: deque[str] = deque(maxlen=40)
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for line in iter(stream.readline, ""):
            at = time.time() - self.started
            self.tail.append(line.rstrip()[:300])
            try:
                event = json.loads(line)
            except ValueError:
                event = {}
            if SLOT_LINE in line and not self.slot_line:
                message = (event.get("diagnosticEvent") or {}).get("message") or line
                self.slot_line, self.slot_line_at = str(message).strip(), at
            for kind in ("resourcePreEvent", "resOutputsEvent"):
                meta = (event.get(kind) or {}).get("metadata") or {}
                if meta.get("type") != self.resource_type or meta.get("op") != "create":
                    continue
                if kind == "resourcePreEvent":
                    self.step_started[meta["urn"]] = at
                else:
                    self.returned[meta["urn"]] = (at, str((meta.get("new") or {}).get("id")))

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def yaml_program(project: str, caches: int) -> str:
    """A Pulumi YAML project of N caches: YAML has no loops, so every one is written out
    (the same inputs as benchmarks/programs/caches)."""
    out = [f"name: {project}", "runtime: yaml", "resources:"]
    for i in range(caches):
        out += [
            f"  cache-{i}:",
            "    type: ecicache:ImageCache",
            "    properties:",
            f"      imageCacheName: cache-{i}",
            '      images: ["nginx:1.25", "redis:7.2"]',
            "      imageCacheSize: 20",
            "      retentionDays: 7",
        ]
    return "\n".join(out) + "\n"


def _face_stack(
    bin_dir: Path, root: Path, env: Mapping[str, str], face: CliFace, caches: int, endpoint: str
) -> Path:
    """The stack ``bench`` of the face's program of N caches, pointed at the emulator."""
    if face.name == "dynamic":  # benchmarks/programs/caches, BENCH_RESOURCES caches
        project = _cli_stack(bin_dir, root, env, "caches", None)
    else:
        project = root / "caches-yaml"
        project.mkdir()
        (project / "Pulumi.yaml").write_text(yaml_program("bench-caches-yaml", caches))
        _pulumi(bin_dir, project, env, "stack", "init", "bench")
    _pulumi(bin_dir, project, env, "config", "set", face.endpoint_key, endpoint)
    return project


def waves(returns: Sequence[float], gap: float) -> list[int]:
    """Creates per wave: a return within ``gap`` of the previous one is in its wave.
    Waves show that the engine's slots, not the service, paced the creates."""
    counts: list[int] = []
    last: float | None = None
    for at in sorted(returns):
        if last is None or at - last > gap:
            counts.append(0)
        counts[-1] += 1
        last = at
    return counts


def most_at_once(spans: Sequence[tuple[float, float]]) -> int:
    """The most (start, end) spans open at one instant (an end frees its slot first)."""
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


def run_cli_up(
    key: str,
    face: CliFace,
    caches: int,
    build_seconds: float,
    parallel: int | None,
    bin_dir: Path,
) -> CliResult:
    """``pulumi up --yes --skip-preview --json [--parallel P]`` of N caches, default config,
    against a fresh emulator; PULUMI_PARALLEL is never set (``_cli_workspace``)."""
    with (
        tempfile.TemporaryDirectory(prefix="eci-bench-up-") as tmp,
        Emulator(build_seconds, 0, 0) as emulator,
    ):
        root = Path(tmp)
        env = _cli_workspace(bin_dir, root, emulator, caches)
        engine_parallel = parallel or default_parallel(env)[0]
        project = _face_stack(bin_dir, root, env, face, caches, emulator.url)
        argv = [str(bin_dir / "pulumi"), "up", "--yes", "--skip-preview", "--json"]
        if parallel is not None:
            argv += ["--parallel", str(parallel)]
        argv.append("--non-interactive")
        waves_needed = math.ceil(caches / max(1, engine_parallel))
        load_start = os.getloadavg()[0]
        began = time.time()
        proc = subprocess.Popen(
            argv,
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        events = EventClock(proc.stdout, began, face.resource_type)
        try:
            code = proc.wait(timeout=waves_needed * (build_seconds + 10) * 3 + 600)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait(timeout=30)
        up_seconds = time.time() - began
        load_end = os.getloadavg()[0]
        events.join(timeout=30)
        calls = emulator.calls()
        ready = {k: v - began for k, v in emulator.ready_times().items()}
    answered = [c for c in calls if c.kind == "round" and c.status == 200]
    rounds = sorted(c.at - began for c in answered)
    creates = [
        CliCreate(
            urn=urn,
            cache_id=cache_id,
            step_started=events.step_started.get(urn),
            ready=ready.get(cache_id),
            returned=at,
            rounds_between=sum(1 for c in answered if cache_id in c.ready and c.at - began <= at),
        )
        for urn, (at, cache_id) in sorted(events.returned.items())
    ]
    lags = [c.returned - c.ready for c in creates if c.ready is not None]
    accepted = [c.at - began for c in calls if c.action == CREATE and c.status == 200]
    spans = [(c.step_started, c.returned) for c in creates if c.step_started is not None]
    ok = code == 0 and len(creates) == caches
    return CliResult(
        key=key,
        caches=caches,
        build_seconds=build_seconds,
        parallel=parallel,
        ok=ok,
        up_seconds=up_seconds,
        first_create_at=min(accepted, default=None),
        creates_accepted_by=max(accepted, default=None),
        last_ready_at=max((c.ready for c in creates if c.ready is not None), default=None),
        last_return_at=max((c.returned for c in creates), default=None),
        lag_median=statistics.median(lags) if lags else None,
        lag_worst=max(lags, default=None),
        rounds_between_worst=max((c.rounds_between for c in creates), default=None),
        polling_rounds=len(rounds),
        round_interval_median=(
            statistics.median(b - a for a, b in itertools.pairwise(rounds))
            if len(rounds) > 1
            else None
        ),
        calls=dict(Counter(c.action for c in calls)),
        creates=creates,
        error="" if ok else f"pulumi up exited {code}: " + " | ".join(list(events.tail)[-8:]),
        face=face.name,
        engine_parallel=engine_parallel,
        most_running=most_at_once(spans),
        waves=waves([c.returned for c in creates], build_seconds / 3),
        slot_line=events.slot_line,
        slot_line_at=events.slot_line_at,
        load=(load_start, load_end),
    )


def startup_seconds(commands: Mapping[str, Sequence[str]], repeats: int) -> dict[str, list[float]]:
    """How long each provider command takes to print its port (the engine waits for it
    before its first call), started in turn ``repeats`` times."""
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(repeats):
        for label, argv in commands.items():
            began = time.monotonic()
            proc = subprocess.Popen(
                list(argv),
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                text=True,
            )
            assert proc.stdout is not None
            port = proc.stdout.readline().strip()
            elapsed = time.monotonic() - began
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            if not port.isdigit():
                raise RuntimeError(f"{' '.join(argv)} printed {port!r}, not its port")
            times[label].append(elapsed)
    return times


def provider_commands() -> dict[str, list[str]]:
    """The two faces' provider processes as the engine starts them."""
    venv_bin = REPO / ".venv" / "bin"
    return {
        "pulumi-resource-ecicache 127.0.0.1:0": [
            str(venv_bin / "pulumi-resource-ecicache"),
            "127.0.0.1:0",
        ],
        "python -m pulumi.dynamic 127.0.0.1:0": [
            str(venv_bin / "python"),
            "-m",
            "pulumi.dynamic",
            "127.0.0.1:0",
        ],
    }


def median_run(runs: Sequence[CliResult]) -> CliResult:
    """The run whose whole ``up`` is the median (the lower one of an even count)."""
    ordered = sorted(runs, key=lambda r: r.up_seconds)
    return ordered[(len(ordered) - 1) // 2]


def run_cli_variant(
    caches: int,
    build_seconds: float,
    parallel: int,
    faces: Sequence[str] = ("dynamic", "plugin"),
    repeats: int = 3,
    startup_repeats: int = 7,
) -> CliFacesResult | Skipped:
    """(g): the ups of every face, interleaved, then the providers' start-up times."""
    bin_dir, why = find_pulumi_cli()
    if bin_dir is None:
        return Skipped("g", why)
    runs: dict[str, list[CliResult]] = {face: [] for face in faces}
    for _ in range(repeats):
        for face in faces:
            up = run_cli_up("g", CLI_FACES[face], caches, build_seconds, parallel, bin_dir)
            runs[face].append(up)
    startup = startup_seconds(provider_commands(), startup_repeats) if startup_repeats else {}
    ratio = None
    if {"dynamic", "plugin"} <= set(runs) and all(r.ok for rs in runs.values() for r in rs):
        ratio = statistics.median(r.up_seconds for r in runs["plugin"]) / statistics.median(
            r.up_seconds for r in runs["dynamic"]
        )
    return CliFacesResult("g", caches, build_seconds, parallel, runs, startup, ratio)


def run_slots_variant(
    caches: int,
    build_seconds: float,
    raised: int,
    faces: Sequence[str] = ("dynamic", "plugin"),
    picture: Path | None = None,
) -> SlotsResult | Skipped:
    """(h): for every face, ``pulumi up`` without --parallel (PULUMI_PARALLEL unset),
    then with ``--parallel raised``; the picture of caches Ready over time."""
    bin_dir, why = find_pulumi_cli()
    if bin_dir is None:
        return Skipped("h", why)
    runs = [
        run_cli_up("h", CLI_FACES[face], caches, build_seconds, parallel, bin_dir)
        for face in faces
        for parallel in (None, raised)
    ]
    default = next((r.engine_parallel for r in runs if r.parallel is None), 0)
    result = SlotsResult("h", caches, build_seconds, raised, default, runs)
    if picture is not None:
        result.picture = str(plot_ready_over_time(result, picture))
    return result


def ready_curve(run: CliResult) -> tuple[list[float], list[int]]:
    """Caches Ready (creates returned) over time, as steps: x seconds, y count."""
    xs, ys = [0.0], [0]
    for i, at in enumerate(sorted(c.returned for c in run.creates), start=1):
        xs.append(at)
        ys.append(i)
    xs.append(max(run.up_seconds, xs[-1]))
    ys.append(ys[-1])
    return xs, ys


def plot_ready_over_time(result: SlotsResult, path: Path) -> Path:
    """The PNG of (h): one line per setting, so the default's waves of slots show.
    matplotlib is imported here only: nothing else in the repo needs it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {True: "#d62728", False: "#1f77b4"}  # default slots: red; raised: blue
    styles = {"dynamic": "-", "plugin": "--"}
    faces = {r.face for r in result.runs}
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    for run in result.runs:
        xs, ys = ready_curve(run)
        label = run.setting if len(faces) == 1 else f"{run.setting}, {run.face}"
        label += f": {run.up_seconds:.0f} s"
        if len(run.waves) > 1:
            label += f", {len(run.waves)} waves"
        ax.plot(
            xs,
            ys,
            drawstyle="steps-post",
            color=colours[run.parallel is None],
            linestyle=styles.get(run.face, "-"),
            linewidth=1.8,
            label=label,
        )
    step = result.default or max(1, result.caches)
    ticks = [t for t in range(0, result.caches, step) if result.caches - t >= step / 2]
    ax.set_yticks([*ticks, result.caches])  # the waves' heights, and all of them
    ax.grid(True, alpha=0.3)
    ax.set_xlim(left=0)
    ax.set_ylim(0, result.caches * 1.05)
    ax.set_xlabel("seconds from the start of `pulumi up`")
    ax.set_ylabel("caches Ready (creates returned)")
    ax.set_title(
        f"{result.caches} image caches, {result.build_seconds:g} s builds: "
        f"the CLI's default {result.default} slots vs --parallel {result.raised}"
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


# ------------------------------------------------------------------------------ report


def machine(bin_dir: Path | None) -> dict[str, str]:
    model = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "pulumi_sdk": importlib.metadata.version("pulumi"),
        "pulumi_cli": pulumi_version(bin_dir),
        "platform": platform.platform(),
    }


def _num(value: float | None, fmt: str = "{:.2f}") -> str:
    return "n/a" if value is None else fmt.format(value)


def _calls(result: VariantResult) -> str:
    parts = []
    for action, short in ((CREATE, "Create"), (DESCRIBE, "Describe")):
        count = result.calls.get(action, 0)
        throttled = result.throttled_calls.get(action, 0)
        per = count / result.caches if result.caches else 0
        parts.append(f"{short} {count} ({per:.1f}/cache, {throttled} throttled)")
    others = {a: n for a, n in result.calls.items() if a not in (CREATE, DESCRIBE)}
    parts += [f"{a} {n}" for a, n in sorted(others.items())]
    return "; ".join(parts)


def _lag(value: float | None, build: float) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f} s ({100 * value / build:.1f}%)"


def _seconds(value: float | None) -> str:
    return _num(value, "{:.1f} s")


def _schedule_table(r: ScheduleResult) -> list[str]:
    one, many = r.one, r.many
    return [
        f"(f) the default schedule, unscaled, {r.build_seconds:g} s builds, "
        "through `python -m pulumi.dynamic`:",
        "",
        f"| (f) default schedule | one create | {many.caches} creates at once |",
        "|---|---|---|",
        f"| ok / failed | {one.succeeded} / {one.failed} | {many.succeeded} / {many.failed} |",
        f"| wall | {one.wall_seconds:.2f} s | {many.wall_seconds:.2f} s "
        f"(**{r.wall_ratio:.2f}x** one create) |",
        "| worst create: return after its start + the build "
        f"| {_num(one.worst_over_build, '{:.2f} s')} | {_num(many.worst_over_build, '{:.2f} s')} |",
        "| return after Ready: median / worst "
        f"| {_num(one.lag_median)} / {_num(one.lag_worst)} s "
        f"| {_num(many.lag_median)} / {_num(many.lag_worst)} s |",
        f"| creates accepted by | {_seconds(one.creates_accepted_by)} "
        f"| {_seconds(many.creates_accepted_by)} |",
        f"| Describe calls (polling rounds) | {one.calls.get(DESCRIBE, 0)} ({one.polling_rounds}) "
        f"| {many.calls.get(DESCRIBE, 0)} ({many.polling_rounds}) |",
        "",
    ]


def _cli_rows(runs: Sequence[CliResult]) -> list[str]:
    """The rows (g) and (h) share, one column per run."""

    def row(label: str, cell: Callable[[CliResult], str]) -> str:
        return f"| {label} | " + " | ".join(cell(r) for r in runs) + " |"

    def rounds(r: CliResult) -> str:
        counts = Counter(c.rounds_between for c in r.creates)
        return ", ".join(f"{n}: {k} creates" for n, k in sorted(counts.items())) or "n/a"

    def every(r: CliResult) -> str:
        interval = f", every {r.round_interval_median:.1f} s" if r.round_interval_median else ""
        return f"{r.polling_rounds}{interval} ({r.calls.get(DESCRIBE, 0)})"

    return [
        row("first CreateImageCache reached the service", lambda r: _seconds(r.first_create_at)),
        row("last CreateImageCache accepted", lambda r: _seconds(r.creates_accepted_by)),
        row("last cache Ready", lambda r: _seconds(r.last_ready_at)),
        row("last create returned", lambda r: _seconds(r.last_return_at)),
        row(
            "`up` exited, after the last create returned",
            lambda r: _seconds(
                None if r.last_return_at is None else r.up_seconds - r.last_return_at
            ),
        ),
        row(
            "a create's return after its cache became Ready: median / worst",
            lambda r: f"{_num(r.lag_median)} / {_num(r.lag_worst)} s",
        ),
        row("polling rounds that answered a cache Ready, up to its create's return", rounds),
        row("polling rounds (Describe calls)", every),
    ]


def _whole_up(r: CliResult) -> str:
    state = "ok" if r.ok else "FAILED"
    return f"**{r.up_seconds:.1f} s** (build + {r.up_seconds - r.build_seconds:.1f} s; {state})"


def _load(r: CliResult) -> str:
    return f"{r.load[0]:.1f} / {r.load[1]:.1f}"


def _cli_faces_table(r: CliFacesResult) -> list[str]:
    faces = list(r.runs)
    medians = [median_run(r.runs[f]) for f in faces]
    repeats = max((len(runs) for runs in r.runs.values()), default=0)
    heads = [f"{f} ({CLI_FACES[f].program})" for f in faces]
    out = [
        f"(g) `pulumi up --parallel {r.parallel}` of {r.caches} caches, {r.build_seconds:g} s "
        f"builds, under the real CLI, default config, no throttling, through each face "
        f"({repeats} up{'s' if repeats > 1 else ''} each, interleaved; rows below the "
        "first two: each face's median up):",
        "",
        f"| (g) pulumi up --parallel {r.parallel} | " + " | ".join(heads) + " |",
        "|---|" + "---|" * len(faces),
        f"| whole `up`, median of {repeats} | " + " | ".join(_whole_up(m) for m in medians) + " |",
        "| whole `up`, each run in order (s) | "
        + " | ".join(", ".join(f"{x.up_seconds:.1f}" for x in r.runs[f]) for f in faces)
        + " |",
        *_cli_rows(medians),
        "| 1-minute load average at the start / end of each up | "
        + " | ".join(", ".join(_load(x) for x in r.runs[f]) for f in faces)
        + " |",
        "",
    ]
    if r.ratio is not None:
        pairs = [
            p.up_seconds / d.up_seconds
            for d, p in zip(r.runs["dynamic"], r.runs["plugin"], strict=False)
        ]
        out += [
            f"Ratio plugin / dynamic, whole `up` (medians): **{r.ratio:.2f}x** "
            f"(run by run: {', '.join(f'{x:.2f}' for x in pairs)}).",
            "",
        ]
    if r.startup:
        count = max(len(v) for v in r.startup.values())
        out += [
            f"| provider start-up: process start to its port printed | median of {count} "
            "| runs (s) |",
            "|---|---|---|",
            *(
                f"| `{label}` | {statistics.median(times):.2f} s "
                f"| {', '.join(f'{t:.2f}' for t in times)} |"
                for label, times in r.startup.items()
            ),
            "",
        ]
    for face, m in zip(faces, medians, strict=True):
        lags = sorted(c.returned - c.ready for c in m.creates if c.ready is not None)
        out += [
            f"{face}: each create's return after its cache became Ready (s, sorted): "
            + ", ".join(f"{lag:.2f}" for lag in lags),
            "",
        ]
        if m.error:
            out += [f"(g) {face} error: {m.error[:1000]}", ""]
    return out


def _picture_name(picture: str) -> str:
    """The picture's path as the repo names it (never this machine's directories)."""
    path = Path(picture)
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return path.name


def _slots_table(r: SlotsResult) -> list[str]:
    heads = [f"{x.face}, {x.setting}" for x in r.runs]
    gap = r.build_seconds / 3

    def ratio(x: CliResult) -> str:
        raised = [y for y in r.runs if y.face == x.face and y.parallel is not None]
        if x.parallel is not None or not raised or not raised[0].up_seconds:
            return ""
        return f"**{x.up_seconds / raised[0].up_seconds:.2f}x**"

    def slot(x: CliResult) -> str:
        return f"yes, at {x.slot_line_at:.1f} s" if x.slot_line else "no"

    def wave_cell(x: CliResult) -> str:
        return f"{len(x.waves)} ({', '.join(map(str, x.waves))})"

    def row(label: str, cell: Callable[[CliResult], str]) -> str:
        return f"| {label} | " + " | ".join(cell(x) for x in r.runs) + " |"

    out = [
        f"(h) `pulumi up` of {r.caches} caches, {r.build_seconds:g} s builds, under the real "
        f"CLI: at its default parallelism (no --parallel, PULUMI_PARALLEL unset: "
        f"{r.default} here) and with `--parallel {r.raised}`, one up each, in column order:",
        "",
        "| (h) pulumi up | " + " | ".join(heads) + " |",
        "|---|" + "---|" * len(r.runs),
        row("whole `up`", _whole_up),
        row("whole `up`, default / raised", ratio),
        row(f"waves: count (creates returned in each; > {gap:.3g} s between waves)", wave_cell),
        row("most creates running at once", lambda x: str(x.most_running)),
        *_cli_rows(r.runs),
        row("the provider's slot line in the output", slot),
        row("1-minute load average at the start / end", _load),
        "",
    ]
    said = [x for x in r.runs if x.slot_line]
    if said:
        out += [f"The slot line, as the {said[0].face} face's {said[0].setting} run showed it:", ""]
        out += [f"> {said[0].slot_line}", ""]
    if r.picture:
        out += [f"Picture: {_picture_name(r.picture)}", ""]
    for x in r.runs:
        if x.error:
            out += [f"(h) {x.face}, {x.setting} error: {x.error[:1000]}", ""]
    return out


def markdown(
    results: Sequence[Result],
    args: argparse.Namespace,
    info: Mapping[str, str],
) -> str:
    scale = args.build_seconds / REFERENCE_BUILD
    out = [
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, "
        f"pulumi SDK {info['pulumi_sdk']}, pulumi CLI {info['pulumi_cli']}, {info['platform']}; "
        f"load average (1, 5, 15 min) at the start: {info.get('load_at_start', 'n/a')}",
        "",
    ]
    if {"a", "b", "c", "e"} & set(args.variants):  # the scaled variants' settings
        out += [
            f"{args.caches} caches, build {args.build_seconds:g} s standing for 600 s "
            f"(every polling delay x{scale:.4f}), emulator QPS limit {args.qps:g}/s burst "
            f"{args.burst}"
            + (
                f" in scaled time, i.e. {args.qps / scale:g}/s on the wall clock (--scale-rates)."
                if args.scale_rates
                else "."
            ),
            "",
        ]
    builds = [r for r in results if isinstance(r, VariantResult)]
    if builds:
        out += [
            "| variant | ok / failed | wall (x build) | creates accepted by | API calls "
            "| Describe per polling round | lag median (% build) | lag worst (% build) "
            "| throttling errors to user |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in builds:
            if r.describe_per_round is None:
                per_round = "n/a"
            else:
                per_round = (
                    f"{r.describe_per_round:.2f} ({r.describe_per_round_answered:.2f} answered; "
                    f"{r.polling_rounds} rounds"
                )
                if r.round_interval_median is not None:
                    per_round += f", every {r.round_interval_median:.2f} s"
                per_round += ")"
            out.append(
                f"| ({r.key}) {r.title} | {r.succeeded} / {r.failed} "
                f"| {r.wall_seconds:.1f} s ({r.wall_seconds / r.build_seconds:.2f}x) "
                f"| {_num(r.creates_accepted_by, '{:.1f} s')} | {_calls(r)} | {per_round} "
                f"| {_lag(r.lag_median, r.build_seconds)} | {_lag(r.lag_worst, r.build_seconds)} "
                f"| {r.throttling_errors_to_user} |"
            )
        out.append("")
    for r in results:
        if isinstance(r, PreviewResult):
            out += [
                f"| (d) pulumi preview, {r.resources} resources | median of {r.repeats} "
                "| runs (s) |",
                "|---|---|---|",
                f"| ImageCache stack | {r.caches_median:.2f} s "
                f"| {', '.join(f'{t:.2f}' for t in r.caches_seconds)} |",
                f"| trivial dynamic resources | {r.trivial_median:.2f} s "
                f"| {', '.join(f'{t:.2f}' for t in r.trivial_seconds)} |",
                f"| ratio | **{r.ratio:.2f}x** | API calls during the previews: "
                f"{r.api_calls_during_preview} |",
                "",
            ]
        elif isinstance(r, ScheduleResult):
            out += _schedule_table(r)
        elif isinstance(r, CliFacesResult):
            out += _cli_faces_table(r)
        elif isinstance(r, SlotsResult):
            out += _slots_table(r)
        elif isinstance(r, Skipped):
            out += [f"({r.key}) skipped: {r.reason}", ""]
    for r in builds:
        if r.errors:
            out.append(f"({r.key}) first errors: " + " | ".join(e[:200] for e in r.errors))
    return "\n".join(out).rstrip() + "\n"


# -------------------------------------------------------------------------------- main

VARIANTS = ("a", "b", "c", "d", "e", "f", "g", "h")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--caches", type=int, default=50, help="caches per variant (50)")
    parser.add_argument(
        "--build-seconds",
        type=float,
        default=60.0,
        help="emulated build time standing for a 10-minute build (60; (c) takes "
        "about ceil(caches/4) builds, so keep the whole run under ~20 min)",
    )
    parser.add_argument("--qps", type=float, default=5.0, help="emulator QPS limit (5; 0=off)")
    parser.add_argument("--burst", type=int, default=5, help="emulator QPS burst (5)")
    parser.add_argument(
        "--variants",
        default="a,b,c,d,f,g,h",
        help="comma-separated, from a,b,c,d,f,g,h and the diagnostic e ((a) with the "
        "provider's maxRequestsPerSecond set to the emulator's QPS)",
    )
    parser.add_argument(
        "--scale-rates",
        action="store_true",
        help="dilate API rates like the delays: emulator QPS = qps / scale and the "
        "provider's maxRequestsPerSecond = 10 / scale (burst unchanged)",
    )
    parser.add_argument("--preview-resources", type=int, default=100, help="(d) stack size")
    parser.add_argument("--preview-repeats", type=int, default=3, help="(d) repeats (median)")
    parser.add_argument("--schedule-caches", type=int, default=20, help="(f) creates (20)")
    parser.add_argument(
        "--schedule-build-seconds", type=float, default=6.0, help="(f) build time (6)"
    )
    parser.add_argument("--cli-caches", type=int, default=50, help="(g) caches (50)")
    parser.add_argument("--cli-build-seconds", type=float, default=30.0, help="(g) build (30)")
    parser.add_argument(
        "--cli-parallel", type=int, default=64, help="(g) --parallel, (h) the raised one (64)"
    )
    parser.add_argument(
        "--cli-faces",
        default="dynamic,plugin",
        help="(g), (h): the faces, from dynamic (Python program) and plugin (YAML program)",
    )
    parser.add_argument("--cli-repeats", type=int, default=3, help="(g) ups per face (3)")
    parser.add_argument(
        "--startup-repeats", type=int, default=7, help="(g) starts of each provider (7; 0=off)"
    )
    parser.add_argument(
        "--picture",
        type=Path,
        default=REPO / "docs" / "images" / "parallel-slots.png",
        help="(h) the PNG of caches Ready over time (docs/images/parallel-slots.png)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(args.variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}; choose from {VARIANTS}")
    args.cli_faces = [f.strip() for f in args.cli_faces.split(",") if f.strip()]
    if not args.cli_faces or set(args.cli_faces) - set(CLI_FACES):
        parser.error(f"--cli-faces: choose from {sorted(CLI_FACES)}")
    if args.cli_repeats < 1:
        parser.error("--cli-repeats must be >= 1")
    if args.caches < 1 or args.build_seconds <= 0:
        parser.error("--caches must be >= 1 and --build-seconds > 0")
    return args


def run(args: argparse.Namespace) -> list[Result]:
    scale = args.build_seconds / REFERENCE_BUILD
    qps = args.qps / scale if args.scale_rates else args.qps
    # The provider's limiter (default 10 rps) is dilated like the emulator's limit.
    rate = {"eci-cache:maxRequestsPerSecond": f"{10.0 / scale:g}"} if args.scale_rates else {}
    common = (args.caches, args.build_seconds, qps, args.burst)
    results: list[Result] = []
    for key in args.variants:
        print(f"-- running ({key}) ...", file=sys.stderr, flush=True)
        began = time.monotonic()
        if key == "a":
            title = "this provider, one process, ceiling lifted"
            results.append(run_provider_variant("a", title, *common, extra_config=rate))
        elif key == "b":
            title = "per-resource loop, Terraform schedule"
            results.append(run_terraform_variant("b", title, *common))
        elif key == "c":
            title = "this provider, SDK's 4 workers"
            config = {**rate, "eci-cache:maxConcurrentOperations": "4"}
            results.append(run_provider_variant("c", title, *common, config, workers=4))
        elif key == "e":
            title = "(a) with maxRequestsPerSecond = the emulator's QPS"
            config = {"eci-cache:maxRequestsPerSecond": f"{qps:g}"}
            results.append(run_provider_variant("e", title, *common, extra_config=config))
        elif key == "d":
            results.append(run_preview_variant(args.preview_resources, args.preview_repeats))
        elif key == "f":  # no emulator QPS limit: what a user gets from the schedule alone
            results.append(
                run_schedule_variant(args.schedule_caches, args.schedule_build_seconds, 0, 0)
            )
        elif key == "g":
            results.append(
                run_cli_variant(
                    args.cli_caches,
                    args.cli_build_seconds,
                    args.cli_parallel,
                    args.cli_faces,
                    args.cli_repeats,
                    args.startup_repeats,
                )
            )
        elif key == "h":
            results.append(
                run_slots_variant(
                    args.cli_caches,
                    args.cli_build_seconds,
                    args.cli_parallel,
                    args.cli_faces,
                    args.picture,
                )
            )
        print(f"-- ({key}) took {time.monotonic() - began:.1f} s", file=sys.stderr, flush=True)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    results = run(args)
    bin_dir = find_pulumi_cli()[0] if {"d", "g", "h"} & set(args.variants) else None
    info = {**machine(bin_dir), "load_at_start": load}
    print(markdown(results, args, info), end="")
    if args.json:
        payload = {
            "machine": info,
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
