#!/usr/bin/env python
"""Roles benchmark: acting as a RAM role, and a fleet of accounts and regions, under the CLI.

Every ``pulumi up`` runs under the real CLI (the directory ``scripts/ensure-pulumi``
prints) with a local file backend and its own PULUMI_HOME in a temporary directory,
against its own fresh ECI emulator served in this process (``EciBackend`` and
``EmulatorServer``, no QPS limit), which also answers STS on the same port. The base
key (emulator-access-key-id, RAM user ``emulator`` of account 1000000000000000) is in
the CLI's environment (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET); the roles
``acs:ram::<account>:role/builder`` of accounts 2222000000000000 and 3333000000000000
trust that account. Nothing is scaled: builds last ``--build-seconds`` on the wall
clock and the provider runs its default schedule and limits.

  (r) roles vs static keys: ``pulumi up --yes --skip-preview --json --parallel P``
      (P = ``--parallel``, 64) of the Python program benchmarks/programs/caches
      (``--caches`` (50) ImageCache resources, the dynamic face) in two settings:
      static keys (the base key signs every ECI call) and a role (stack config
      ``alicloud:assumeRole`` = ``{"roleArn": "acs:ram::2222000000000000:role/builder",
      "sessionExpiration": 3600}`` and ``eci-cache:stsEndpoint`` = the emulator), with
      the emulator's ``token_lifetime_seconds`` = ``--token-lifetime`` (20): every STS
      session lasts 20 s on the emulator's clock, so sessions run out while the caches
      build. ``--repeats`` (3) ups per setting, interleaved (static, role,
      static, ...). Per up: the whole ``up`` (``Popen`` to exit), the 1-minute load
      average at its start and end, whether it failed (exit code not 0, or fewer
      creates returned than caches), the caches not Ready at its end (from the
      emulator's ``all_caches()``, in every account), and from the emulator's call
      log: AssumeRole calls, ``InvalidSecurityToken.Expired`` answers (by action),
      CreateImageCache calls (must equal --caches), DescribeImageCaches calls (and how
      many were refused), the distinct key ids that signed ECI calls (sessions used),
      when each AssumeRole was answered and when each session ended (its Expiration on
      the emulator, whose clock is this machine's). Per setting: the median up; the
      ratio role / static of the medians (target: within 5%).
  (fleet) one ``pulumi up --yes --skip-preview --json --parallel <fleet caches>`` of a
      Pulumi YAML program (written out here: YAML has no loops) through the plugin
      ``pulumi-resource-ecicache``: 10 explicit ``pulumi:providers:ecicache`` = 5
      regions (cn-hangzhou, cn-shanghai, cn-beijing, cn-shenzhen, cn-qingdao) x 2
      accounts (each provider with ``region``, ``assumeRole: {roleArn}``, ``endpoint``
      and ``stsEndpoint`` = the emulator), and ``--fleet-caches`` (1000) ImageCache
      resources given to the providers in turn (100 each), sessions of the default
      length. Printed: the whole ``up``; the floor = caches per provider / the
      provider's request budget (``maxRequestsPerSecond``, default 10/s per provider)
      + the build + one polling round (``pollFloorSeconds``, default 2 s), and wall /
      floor; when the engine had done the providers' own steps (their
      ``resOutputsEvent``), when it started the first and last create steps
      (``resourcePreEvent``), each create step's start to its CreateImageCache
      accepted (the emulator's creation time of the cache of that name), when the
      first and last CreateImageCache were accepted, the last cache Ready (its build's
      end on the emulator), the last create's return (``resOutputsEvent``) and each
      return after its cache became Ready; Describe calls in all and per provider (the
      call log's principal and region: each provider is one account's role in one
      region), the AssumeRole calls, the Expired answers; the caches Ready per account and region;
      and the memory: every 0.5 s the resident set (``/proc/<pid>/statm``) of every
      descendant of the CLI whose command line runs ``pulumi-resource-ecicache`` or
      ``pulumi_eci_cache.engine.plugin`` (the providers: the peak of their sum, the
      peak of one, how many there were), of the CLI itself, of the YAML language host,
      and of this process (the emulator), with the CPU seconds each had used when last
      seen, and the largest size the stack's checkpoint file reached (the file
      backend's directory, sampled with the processes). ``--fleet-env NAME=VALUE``
      adds to the CLI's environment for a diagnosis (e.g. PULUMI_SKIP_CHECKPOINTS=true:
      the engine then writes the state once at the end instead of at every step); the
      output says so.

How calls are counted: the emulator logs every call it answers (``call_log``: action,
key id, account, principal, region, the code answered); this script replaces the
backend's ``record_call`` on its instance to stamp each entry with ``time.time()`` as
it is logged. Nothing in the emulator or the provider is changed. Times printed as
"at" are seconds from the start of ``up``.

Usage: .venv/bin/python benchmarks/roles.py [--variants r,fleet] [--caches 50]
       [--build-seconds 30] [--repeats 3] [--parallel 64] [--token-lifetime 20]
       [--fleet-caches 1000] [--fleet-parallel N (default: the fleet's caches)]
       [--fleet-env NAME=VALUE ...] [--quick] [--json roles.json]
  --quick: a smoke run (caches 10, builds 10 s, repeats 1, fleet 100).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make the repo importable
    sys.path.insert(0, str(REPO))

from benchmarks.scale import (  # noqa: E402
    CLI_FACES,
    CREATE,
    DESCRIBE,
    Emulator,
    _cli_stack,
    _cli_workspace,
    _pulumi,
    find_pulumi_cli,
    machine,
)
from pulumi_eci_cache.emulator import DEFAULT_ACCOUNT_ID, EciBackend  # noqa: E402
from pulumi_eci_cache.rules.config import ProviderConfig  # noqa: E402

ASSUME = "AssumeRole"
EXPIRED = "InvalidSecurityToken.Expired"
ROLE_ACCOUNTS = ("2222000000000000", "3333000000000000")
FLEET_REGIONS = ("cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao")
PLUGIN_TYPE = CLI_FACES["plugin"].resource_type  # ecicache:index:ImageCache
DYNAMIC_TYPE = CLI_FACES["dynamic"].resource_type
PROVIDER_MARKS = ("pulumi-resource-ecicache", "pulumi_eci_cache.engine.plugin")
# The provider's defaults (rules/config.py), for the fleet's floor.
DEFAULT_RATE = float(ProviderConfig.model_fields["max_requests_per_second"].default)
DEFAULT_POLL_FLOOR = float(ProviderConfig.model_fields["poll_floor_seconds"].default)
ANSI = re.compile(r"\x1b\[[0-9;]*m|<\{%[^%]*%\}>")


def role_arn(account: str) -> str:
    return f"acs:ram::{account}:role/builder"


def add_roles(backend: EciBackend, accounts: Sequence[str]) -> None:
    """Each account with its role ``builder``, which the base key's account may assume."""
    for account in accounts:
        backend.add_account(account)
        backend.add_role(
            role_arn(account), trust={"accounts": [DEFAULT_ACCOUNT_ID]}, max_session_seconds=3600
        )


class TimedLog:
    """The emulator's call log, each entry stamped with when it was logged (this
    process's clock): the backend's ``record_call`` is wrapped on its instance."""

    def __init__(self, backend: EciBackend) -> None:
        self.entries: list[dict[str, Any]] = []
        self._backend = backend
        original = backend.record_call

        def record_call(entry: Mapping[str, Any]) -> None:
            original(entry)
            self.entries.append({**entry, "at": time.time()})

        backend.record_call = record_call  # type: ignore[method-assign]

    def snapshot(self) -> list[dict[str, Any]]:
        with self._backend.lock:
            return list(self.entries)


# ----------------------------------------------------------------------- the CLI's up


class UpStream:
    """Reads ``pulumi up --json`` as it streams: when each create step of
    ``resource_type`` began and returned, when each explicit provider's step
    (``pulumi:providers:*``) returned, the warnings and errors, the last lines."""

    def __init__(self, stream: Any, started: float, resource_type: str) -> None:
        self.started = started
        self.resource_type = resource_type
        self.step_started: dict[str, float] = {}
        self.returned: dict[str, float] = {}
        self.providers_returned: dict[str, float] = {}
        self.failed: list[str] = []
        self.diagnostics: Counter[str] = Counter()
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
                continue
            if not isinstance(event, dict):
                continue
            diag = event.get("diagnosticEvent") or {}
            if diag.get("severity") in ("warning", "error"):
                text = ANSI.sub("", str(diag.get("message", ""))).strip()
                self.diagnostics[f"{diag['severity']}: {text[:240]}"] += 1
            for kind in ("resourcePreEvent", "resOutputsEvent", "resOpFailedEvent"):
                meta = (event.get(kind) or {}).get("metadata") or {}
                kind_of = str(meta.get("type", ""))
                if kind == "resOutputsEvent" and kind_of.startswith("pulumi:providers:"):
                    self.providers_returned[meta["urn"]] = at
                if kind_of != self.resource_type or meta.get("op") != "create":
                    continue
                if kind == "resourcePreEvent":
                    self.step_started[meta["urn"]] = at
                elif kind == "resOutputsEvent":
                    self.returned[meta["urn"]] = at
                else:
                    self.failed.append(meta["urn"])

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


@dataclass
class ProcessPeaks:
    """Resident memory (MiB) and CPU seconds of the processes under the CLI."""

    samples: int = 0
    providers_sum_peak_mib: float = 0.0
    provider_one_peak_mib: float = 0.0
    provider_processes: int = 0
    provider_cpu_seconds: float = 0.0  # the sum, each process as last seen
    cli_peak_mib: float = 0.0
    cli_cpu_seconds: float = 0.0
    language_host_peak_mib: float = 0.0
    language_host_cpu_seconds: float = 0.0
    this_process_peak_mib: float = 0.0  # the benchmark, with the emulator in it
    this_process_cpu_seconds: float = 0.0  # from the start of the up to its end
    # each provider process: [first seen, last seen] (s from the start) and its peak MiB
    provider_spans: list[tuple[float, float, float]] = field(default_factory=list)
    state_file_peak_bytes: int = 0  # the largest file under the file backend's directory


class ProcessSampler:
    """Every ``every`` s: the RSS of the CLI (``root``), of each descendant of it whose
    command line runs the plugin (``PROVIDER_MARKS``) or the YAML language host, and
    of this process; CPU seconds (utime + stime) as each was last seen; and the size of
    the largest file under ``state_dir`` (the file backend: the stack's checkpoint)."""

    PAGE = os.sysconf("SC_PAGE_SIZE")
    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, root: int, every: float = 0.5, state_dir: Path | None = None) -> None:
        self.root = root
        self.every = every
        self.state_dir = state_dir
        self.peaks = ProcessPeaks()
        self.started = time.time()
        self._times = os.times()  # this process's CPU so far: counted from here on
        self._provider_pids: dict[int, list[float]] = {}  # pid -> [first, last, peak MiB]
        self._cpu: dict[int, tuple[str, float]] = {}  # pid -> (class, cpu seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _stat(pid: int) -> list[str] | None:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        # Fields after the command name in parentheses (which may hold spaces).
        return text[text.rfind(")") + 2 :].split()

    def _rss_mib(self, pid: int) -> float:
        try:
            pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return 0.0
        return pages * self.PAGE / 2**20

    @staticmethod
    def _cmdline(pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return ""

    def _descendants(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            fields = self._stat(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
        found, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            for child in children.get(pid, []):
                found.append(child)
                todo.append(child)
        return found

    def _cpu_seconds(self, pid: int) -> float | None:
        fields = self._stat(pid)
        if not fields:
            return None
        # utime and stime are fields 14 and 15 of stat; 12 and 13 after the name.
        return (int(fields[11]) + int(fields[12])) / self.TICK

    def sample(self) -> None:
        peaks = self.peaks
        providers = []
        for pid in self._descendants():
            line = self._cmdline(pid)
            if any(mark in line for mark in PROVIDER_MARKS):
                kind = "provider"
                rss = self._rss_mib(pid)
                providers.append(rss)
                at = time.time() - self.started
                span = self._provider_pids.setdefault(pid, [at, at, 0.0])
                span[1], span[2] = at, max(span[2], rss)
                peaks.provider_one_peak_mib = max(peaks.provider_one_peak_mib, rss)
            elif "pulumi-language-yaml" in line:
                kind = "language"
                peaks.language_host_peak_mib = max(peaks.language_host_peak_mib, self._rss_mib(pid))
            else:
                continue
            cpu = self._cpu_seconds(pid)
            if cpu is not None:
                self._cpu[pid] = (kind, cpu)
        peaks.providers_sum_peak_mib = max(peaks.providers_sum_peak_mib, sum(providers))
        peaks.provider_processes = len(self._provider_pids)
        peaks.cli_peak_mib = max(peaks.cli_peak_mib, self._rss_mib(self.root))
        cli_cpu = self._cpu_seconds(self.root)
        if cli_cpu is not None:
            peaks.cli_cpu_seconds = cli_cpu
        peaks.this_process_peak_mib = max(peaks.this_process_peak_mib, self._rss_mib(os.getpid()))
        peaks.provider_cpu_seconds = sum(c for k, c in self._cpu.values() if k == "provider")
        peaks.language_host_cpu_seconds = sum(c for k, c in self._cpu.values() if k == "language")
        self._sample_state()
        peaks.samples += 1

    def _sample_state(self) -> None:
        if self.state_dir is None:
            return
        for path in self.state_dir.rglob("*"):
            with contextlib.suppress(OSError):
                size = path.stat().st_size if path.is_file() else 0
                self.peaks.state_file_peak_bytes = max(self.peaks.state_file_peak_bytes, size)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def stop(self) -> ProcessPeaks:
        self._stop.set()
        self._thread.join(timeout=10)
        self._sample_state()  # once more: the last write may come just before the exit
        times = os.times()
        self.peaks.this_process_cpu_seconds = (
            times.user + times.system - self._times.user - self._times.system
        )
        self.peaks.provider_spans = sorted(
            (round(a, 1), round(b, 1), round(m, 1)) for a, b, m in self._provider_pids.values()
        )
        return self.peaks


@dataclass
class Up:
    """What one ``pulumi up`` did, as the CLI and the emulator saw it."""

    exit_code: int
    seconds: float
    load: tuple[float, float]
    stream: UpStream
    log: list[dict[str, Any]]
    began: float
    peaks: ProcessPeaks | None = None

    @property
    def error(self) -> str:
        if self.exit_code == 0:
            return ""
        return f"pulumi up exited {self.exit_code}: " + " | ".join(list(self.stream.tail)[-8:])


def pulumi_up(
    bin_dir: Path,
    project: Path,
    env: Mapping[str, str],
    parallel: int,
    resource_type: str,
    timeout: float,
    log: TimedLog,
    sample_processes: bool = False,
    state_dir: Path | None = None,
) -> Up:
    """``pulumi up --yes --skip-preview --json --parallel P --non-interactive``, timed
    from ``Popen`` to its exit; killed (its whole process group) after ``timeout``."""
    argv = [str(bin_dir / "pulumi"), "up", "--yes", "--skip-preview", "--json"]
    argv += ["--parallel", str(parallel), "--non-interactive"]
    load_start = os.getloadavg()[0]
    began = time.time()
    proc = subprocess.Popen(
        argv,
        cwd=project,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own group: a timeout ends the CLI and its plugins
    )
    sampler = ProcessSampler(proc.pid, state_dir=state_dir) if sample_processes else None
    stream = UpStream(proc.stdout, began, resource_type)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait(timeout=30)
    seconds = time.time() - began
    load_end = os.getloadavg()[0]
    peaks = sampler.stop() if sampler is not None else None
    stream.join(timeout=30)
    return Up(code, seconds, (load_start, load_end), stream, log.snapshot(), began, peaks)


def eci_calls(log: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [c for c in log if c.get("Product") == "ECI"]


# ---------------------------------------------------------------- (r) roles vs static


@dataclass
class RoleUp:
    """One up of (r)."""

    setting: str  # static | role
    ok: bool
    up_seconds: float
    creates_returned: int
    caches_held: int  # caches the emulator holds at the end, every account
    not_ready: int  # caches asked for that are not Ready at the end
    accounts: dict[str, int]  # caches by account
    assume_role: int
    expired: dict[str, int]  # InvalidSecurityToken.Expired answers by action
    create_calls: int
    describe_calls: int
    describe_refused: int
    error_codes: dict[str, int]  # every non-200 code answered, by code
    sessions_used: int  # distinct key ids that signed ECI calls
    load: tuple[float, float]
    assume_at: list[float] = field(default_factory=list)  # AssumeRole calls, s from start
    session_ends: list[float] = field(default_factory=list)  # each session's end, ditto
    diagnostics: dict[str, int] = field(default_factory=dict)
    error: str = ""

    @property
    def expired_total(self) -> int:
        return sum(self.expired.values())


@dataclass
class RolesResult:
    key: str
    caches: int
    build_seconds: float
    parallel: int
    token_lifetime: float
    role: str
    runs: dict[str, list[RoleUp]]  # setting -> its ups, in the order they ran
    medians: dict[str, float]
    ratio: float | None  # role / static, medians of the whole up


def run_role_up(
    setting: str,
    caches: int,
    build_seconds: float,
    parallel: int,
    token_lifetime: float,
    bin_dir: Path,
) -> RoleUp:
    """One ``pulumi up`` of the Python program of N caches, static keys or a role."""
    with (
        tempfile.TemporaryDirectory(prefix="eci-bench-roles-") as tmp,
        Emulator(build_seconds, 0, 0) as emulator,
    ):
        backend = emulator.backend
        log = TimedLog(backend)
        root = Path(tmp)
        env = _cli_workspace(bin_dir, root, emulator, caches)
        project = _cli_stack(bin_dir, root, env, "caches", emulator.url)
        if setting == "role":
            add_roles(backend, ROLE_ACCOUNTS[:1])
            backend.token_lifetime_seconds = token_lifetime
            assume = {"roleArn": role_arn(ROLE_ACCOUNTS[0]), "sessionExpiration": 3600}
            _pulumi(
                bin_dir, project, env, "config", "set", "alicloud:assumeRole", json.dumps(assume)
            )
            _pulumi(bin_dir, project, env, "config", "set", "eci-cache:stsEndpoint", emulator.url)
        timeout = 3 * (build_seconds + caches / DEFAULT_RATE) + 600
        up = pulumi_up(bin_dir, project, env, parallel, DYNAMIC_TYPE, timeout, log)
        with backend.lock:
            held = [(c.account_id, c.status) for c in backend.all_caches()]
            # The emulator's clock is this machine's (no offset is ever added here).
            ends = sorted(
                key.expiration - up.began
                for key in backend.access_keys.values()
                if key.role_arn is not None and key.expiration is not None
            )
    calls = eci_calls(up.log)
    describes = [c for c in calls if c["Action"] == DESCRIBE]
    ready = sum(1 for _, status in held if status == "Ready")
    returned = len(up.stream.returned)
    ok = up.exit_code == 0 and returned == caches
    return RoleUp(
        setting=setting,
        ok=ok,
        up_seconds=up.seconds,
        creates_returned=returned,
        caches_held=len(held),
        not_ready=caches - ready,
        accounts=dict(Counter(account for account, _ in held)),
        assume_role=sum(1 for c in up.log if c["Action"] == ASSUME),
        expired=dict(Counter(c["Action"] for c in up.log if c["Code"] == EXPIRED)),
        create_calls=sum(1 for c in calls if c["Action"] == CREATE),
        describe_calls=len(describes),
        describe_refused=sum(1 for c in describes if c["Code"]),
        error_codes=dict(Counter(c["Code"] for c in up.log if c["Code"])),
        sessions_used=len({c["AccessKeyId"] for c in calls if c["AccessKeyId"]}),
        load=up.load,
        assume_at=[round(c["at"] - up.began, 1) for c in up.log if c["Action"] == ASSUME],
        session_ends=[round(end, 1) for end in ends],
        diagnostics=dict(up.stream.diagnostics.most_common(5)),
        error="" if ok else (up.error or f"{returned} of {caches} creates returned"),
    )


def run_roles_variant(
    caches: int,
    build_seconds: float,
    parallel: int,
    repeats: int,
    token_lifetime: float,
    bin_dir: Path,
) -> RolesResult:
    runs: dict[str, list[RoleUp]] = {"static": [], "role": []}
    for i in range(repeats):
        for setting in runs:
            print(f"--   (r) {setting} up {i + 1}/{repeats} ...", file=sys.stderr, flush=True)
            up = run_role_up(setting, caches, build_seconds, parallel, token_lifetime, bin_dir)
            print(
                f"--   (r) {setting}: {up.up_seconds:.1f} s, ok={up.ok}, "
                f"AssumeRole {up.assume_role}, Expired {up.expired_total}",
                file=sys.stderr,
                flush=True,
            )
            runs[setting].append(up)
    medians = {s: statistics.median(u.up_seconds for u in ups) for s, ups in runs.items()}
    ratio = medians["role"] / medians["static"] if medians["static"] else None
    return RolesResult(
        "r",
        caches,
        build_seconds,
        parallel,
        token_lifetime,
        role_arn(ROLE_ACCOUNTS[0]),
        runs,
        medians,
        ratio,
    )


# ---------------------------------------------------------------------------- (fleet)


@dataclass
class FleetProvider:
    """One explicit provider of the fleet: one account's role in one region."""

    name: str
    account: str
    region: str
    caches: int  # asked for
    ready: int  # Ready at the end, in its account and region
    create_calls: int
    describe_calls: int
    describe_refused: int
    first_create_accepted_at: float | None
    last_create_accepted_at: float | None


@dataclass
class FleetResult:
    key: str
    caches: int
    build_seconds: float
    parallel: int
    ok: bool
    up_seconds: float
    rate: float
    poll_floor: float
    floor_seconds: float
    ratio: float
    creates_returned: int
    creates_failed: int
    first_step_at: float | None
    last_step_at: float | None
    first_create_accepted_at: float | None
    last_create_accepted_at: float | None
    last_ready_at: float | None
    last_return_at: float | None
    calls: dict[str, int]  # every call by action
    error_codes: dict[str, int]
    assume_role: int
    expired: int
    ready: int
    ready_by_account: dict[str, int]
    ready_by_region: dict[str, int]
    not_ready_statuses: dict[str, int]
    providers: list[FleetProvider]
    eci_principals: list[str]
    peaks: ProcessPeaks
    load: tuple[float, float]
    diagnostics: dict[str, int] = field(default_factory=dict)
    error: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)  # --fleet-env
    providers_created: tuple[float, float] | None = None  # first / last provider step done
    # a create step's start (resourcePreEvent) to its CreateImageCache accepted
    step_to_create: tuple[float, float] | None = None  # median / worst
    # a create's return (resOutputsEvent) after its cache became Ready
    return_after_ready: tuple[float, float] | None = None  # median / worst


def _median_worst(values: Sequence[float]) -> tuple[float, float] | None:
    return (statistics.median(values), max(values)) if values else None


def fleet_providers() -> list[tuple[str, str, str]]:
    """(name, account, region) of the fleet's 10 providers."""
    return [
        (f"p-{account[:4]}-{region}", account, region)
        for account in ROLE_ACCOUNTS
        for region in FLEET_REGIONS
    ]


def fleet_program(project: str, caches: int, url: str) -> str:
    """The fleet as Pulumi YAML: every provider and every cache written out; cache i
    goes to provider i mod 10, so each gets the same number."""
    providers = fleet_providers()
    out = [f"name: {project}", "runtime: yaml", "resources:"]
    for name, account, region in providers:
        out += [
            f"  {name}:",
            "    type: pulumi:providers:ecicache",
            "    properties:",
            f"      region: {region}",
            "      assumeRole:",
            f"        roleArn: {role_arn(account)}",
            f"      endpoint: {url}",
            f"      stsEndpoint: {url}",
        ]
    for i in range(caches):
        out += [
            f"  cache-{i:04d}:",
            "    type: ecicache:ImageCache",
            "    properties:",
            f"      imageCacheName: cache-{i:04d}",
            '      images: ["nginx:1.25", "redis:7.2"]',
            "      imageCacheSize: 20",
            "      retentionDays: 7",
            "    options:",
            f"      provider: ${{{providers[i % len(providers)][0]}}}",
        ]
    return "\n".join(out) + "\n"


def run_fleet_variant(
    caches: int,
    build_seconds: float,
    parallel: int,
    bin_dir: Path,
    extra_env: Mapping[str, str] | None = None,
) -> FleetResult:
    providers = fleet_providers()
    per_provider = caches / len(providers)
    floor = per_provider / DEFAULT_RATE + build_seconds + DEFAULT_POLL_FLOOR
    with (
        tempfile.TemporaryDirectory(prefix="eci-bench-fleet-") as tmp,
        Emulator(build_seconds, 0, 0) as emulator,
    ):
        backend = emulator.backend
        log = TimedLog(backend)
        add_roles(backend, ROLE_ACCOUNTS)
        root = Path(tmp)
        env = {**_cli_workspace(bin_dir, root, emulator, caches), **(extra_env or {})}
        project = root / "fleet"
        project.mkdir()
        (project / "Pulumi.yaml").write_text(fleet_program("bench-fleet", caches, emulator.url))
        _pulumi(bin_dir, project, env, "stack", "init", "bench")
        timeout = max(1800.0, 20 * floor)
        up = pulumi_up(
            bin_dir,
            project,
            env,
            parallel,
            PLUGIN_TYPE,
            timeout,
            log,
            sample_processes=True,
            state_dir=root / "state",
        )
        with backend.lock:
            held = [
                (c.account_id, c.region_id, c.status, c.build_started + c.build_seconds)
                for c in backend.all_caches()
            ]
            # resource name (= ImageCacheName) -> (create accepted, Ready), s from the start
            by_name = {
                str(c.spec["ImageCacheName"]): (
                    c.creation_time - up.began,
                    c.build_started + c.build_seconds - up.began,
                )
                for c in backend.all_caches()
            }
    began = up.began
    calls = eci_calls(up.log)
    rows = []
    for name, account, region in providers:
        mine = [c for c in calls if c["AccountId"] == account and c["RegionId"] == region]
        accepted = [c["at"] - began for c in mine if c["Action"] == CREATE and not c["Code"]]
        describes = [c for c in mine if c["Action"] == DESCRIBE]
        rows.append(
            FleetProvider(
                name=name,
                account=account,
                region=region,
                caches=sum(1 for i in range(caches) if providers[i % len(providers)][0] == name),
                ready=sum(
                    1 for a, r, s, _ in held if a == account and r == region and s == "Ready"
                ),
                create_calls=sum(1 for c in mine if c["Action"] == CREATE),
                describe_calls=len(describes),
                describe_refused=sum(1 for c in describes if c["Code"]),
                first_create_accepted_at=min(accepted, default=None),
                last_create_accepted_at=max(accepted, default=None),
            )
        )
    accepted_all = [c["at"] - began for c in calls if c["Action"] == CREATE and not c["Code"]]
    steps = list(up.stream.step_started.values())
    returns = list(up.stream.returned.values())
    ready = [h for h in held if h[2] == "Ready"]
    ok = up.exit_code == 0 and len(returns) == caches
    assert up.peaks is not None
    named = {urn.rsplit("::", 1)[-1]: at for urn, at in up.stream.step_started.items()}
    returned = {urn.rsplit("::", 1)[-1]: at for urn, at in up.stream.returned.items()}
    provider_steps = sorted(up.stream.providers_returned.values())
    return FleetResult(
        key="fleet",
        caches=caches,
        build_seconds=build_seconds,
        parallel=parallel,
        ok=ok,
        up_seconds=up.seconds,
        rate=DEFAULT_RATE,
        poll_floor=DEFAULT_POLL_FLOOR,
        floor_seconds=floor,
        ratio=up.seconds / floor,
        creates_returned=len(returns),
        creates_failed=len(up.stream.failed),
        first_step_at=min(steps, default=None),
        last_step_at=max(steps, default=None),
        first_create_accepted_at=min(accepted_all, default=None),
        last_create_accepted_at=max(accepted_all, default=None),
        last_ready_at=max((h[3] - began for h in ready), default=None),
        last_return_at=max(returns, default=None),
        calls=dict(Counter(c["Action"] for c in up.log)),
        error_codes=dict(Counter(c["Code"] for c in up.log if c["Code"])),
        assume_role=sum(1 for c in up.log if c["Action"] == ASSUME),
        expired=sum(1 for c in up.log if c["Code"] == EXPIRED),
        ready=len(ready),
        ready_by_account=dict(sorted(Counter(h[0] for h in ready).items())),
        ready_by_region=dict(sorted(Counter(h[1] for h in ready).items())),
        not_ready_statuses=dict(Counter(h[2] for h in held if h[2] != "Ready")),
        providers=rows,
        eci_principals=sorted({str(c["Principal"]) for c in calls}),
        peaks=up.peaks,
        load=up.load,
        diagnostics=dict(up.stream.diagnostics.most_common(8)),
        error="" if ok else (up.error or f"{len(returns)} of {caches} creates returned"),
        extra_env=dict(extra_env or {}),
        providers_created=(provider_steps[0], provider_steps[-1]) if provider_steps else None,
        step_to_create=_median_worst(
            [by_name[n][0] - at for n, at in named.items() if n in by_name]
        ),
        return_after_ready=_median_worst(
            [at - by_name[n][1] for n, at in returned.items() if n in by_name]
        ),
    )


# ------------------------------------------------------------------------------ report


def _at(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def _roles_table(r: RolesResult) -> list[str]:
    settings = list(r.runs)
    heads = {
        "static": "static keys",
        "role": f"role, {r.token_lifetime:g} s sessions",
    }

    def row(label: str, cell: Any) -> str:
        return f"| {label} | " + " | ".join(cell(r.runs[s]) for s in settings) + " |"

    def each(value: Any) -> Any:
        return lambda ups: ", ".join(str(value(u)) for u in ups)

    def accounts(ups: Sequence[RoleUp]) -> str:
        total: Counter[str] = Counter()
        for u in ups:
            total.update(u.accounts)
        return ", ".join(f"{a}: {n}" for a, n in sorted(total.items())) or "none"

    def expired(u: RoleUp) -> str:
        if not u.expired:
            return "0"
        parts = ", ".join(f"{a} {n}" for a, n in sorted(u.expired.items()))
        return f"{u.expired_total} ({parts})"

    repeats = max(len(ups) for ups in r.runs.values())
    out = [
        f"(r) `pulumi up --yes --skip-preview --parallel {r.parallel}` of {r.caches} caches "
        f"(Python program, the dynamic face), {r.build_seconds:g} s builds, emulator without "
        f"a QPS limit; static keys vs the role {r.role} (alicloud:assumeRole, "
        f"eci-cache:stsEndpoint = the emulator) whose STS sessions last "
        f"{r.token_lifetime:g} s; {repeats} up{'s' if repeats > 1 else ''} per setting, "
        "interleaved, each against its own fresh emulator (per-up cells in run order):",
        "",
        "| (r) | " + " | ".join(heads[s] for s in settings) + " |",
        "|---|" + "---|" * len(settings),
        row(
            "whole `up`, median",
            lambda ups: f"**{statistics.median(u.up_seconds for u in ups):.1f} s**",
        ),
        row("whole `up`, each run (s)", each(lambda u: f"{u.up_seconds:.1f}")),
        row("ups failed", lambda ups: f"{sum(1 for u in ups if not u.ok)} of {len(ups)}"),
        row(
            "caches not Ready at the end (all ups)",
            lambda ups: f"{sum(u.not_ready for u in ups)} of {r.caches * len(ups)}",
        ),
        row("caches by account (all ups)", accounts),
        row("AssumeRole calls", each(lambda u: u.assume_role)),
        row("InvalidSecurityToken.Expired answers", each(expired)),
        row("CreateImageCache calls", each(lambda u: u.create_calls)),
        row(
            "DescribeImageCaches calls (refused)",
            each(lambda u: f"{u.describe_calls} ({u.describe_refused})"),
        ),
        row("key ids that signed ECI calls (sessions)", each(lambda u: u.sessions_used)),
        row(
            "AssumeRole at / each session's end (s from the start of `up`)",
            lambda ups: "; ".join(
                f"{', '.join(f'{t:g}' for t in u.assume_at) or '-'} / "
                f"{', '.join(f'{t:g}' for t in u.session_ends) or '-'}"
                for u in ups
            ),
        ),
        row(
            "1-minute load average at the start / end",
            each(lambda u: f"{u.load[0]:.1f} / {u.load[1]:.1f}"),
        ),
        "",
    ]
    if r.ratio is not None:
        pairs = [
            b.up_seconds / a.up_seconds
            for a, b in zip(r.runs["static"], r.runs["role"], strict=False)
        ]
        met = "met" if abs(r.ratio - 1) <= 0.05 else "NOT met"
        out += [
            f"Ratio role / static, whole `up` (medians): **{r.ratio:.3f}x** (target within 5%: "
            f"{met}; run by run: {', '.join(f'{x:.3f}' for x in pairs)}).",
            "",
        ]
    creates_off = [u for ups in r.runs.values() for u in ups if u.create_calls != r.caches]
    if creates_off:
        out += [f"CreateImageCache calls differ from {r.caches} in {len(creates_off)} up(s).", ""]
    for setting in settings:
        for i, u in enumerate(r.runs[setting], start=1):
            if u.error_codes:
                codes = ", ".join(f"{c} {n}" for c, n in sorted(u.error_codes.items()))
                out.append(f"(r) {setting} up {i}: codes answered: {codes}")
            if u.error:
                out.append(f"(r) {setting} up {i} error: {u.error[:1000]}")
            for text, n in u.diagnostics.items():
                out.append(f"(r) {setting} up {i}: {n}x {text}")
    if out[-1] != "":
        out.append("")
    return out


def _fleet_table(r: FleetResult) -> list[str]:
    per = r.caches / max(1, len(r.providers))
    p = r.peaks
    out = [
        f"(fleet) `pulumi up --yes --skip-preview --parallel {r.parallel}` of {r.caches} caches "
        f"through the plugin (a YAML program), {len(r.providers)} explicit providers = "
        f"{len(FLEET_REGIONS)} regions x {len(ROLE_ACCOUNTS)} accounts (each a role, "
        f"sessions of the default length), {per:g} caches each, {r.build_seconds:g} s builds, "
        "one up against a fresh emulator without a QPS limit"
        + (
            ", the CLI's environment adding "
            + ", ".join(f"`{k}={v}`" for k, v in r.extra_env.items())
            if r.extra_env
            else ""
        )
        + ":",
        "",
        "| (fleet) | |",
        "|---|---|",
        f"| whole `up` | **{r.up_seconds:.1f} s** ({'ok' if r.ok else 'FAILED'}) |",
        f"| floor: {per:g} caches / {r.rate:g} requests/s + {r.build_seconds:g} s build "
        f"+ {r.poll_floor:g} s polling round | {r.floor_seconds:.1f} s |",
        f"| wall / floor | **{r.ratio:.2f}x** |",
        f"| creates returned / failed | {r.creates_returned} / {r.creates_failed} |",
        "| the engine's steps of the 10 providers done, first / last | "
        + (" / ".join(_at(t) for t in r.providers_created) if r.providers_created else "n/a")
        + " |",
        f"| engine started the first / last create step | {_at(r.first_step_at)} / "
        f"{_at(r.last_step_at)} |",
        "| a create step's start to its CreateImageCache accepted: median / worst | "
        + (" / ".join(_at(t) for t in r.step_to_create) if r.step_to_create else "n/a")
        + " |",
        f"| first / last CreateImageCache accepted | {_at(r.first_create_accepted_at)} / "
        f"{_at(r.last_create_accepted_at)} |",
        f"| last cache Ready | {_at(r.last_ready_at)} |",
        f"| last create returned | {_at(r.last_return_at)} |",
        "| a create's return after its cache became Ready: median / worst | "
        + (" / ".join(_at(t) for t in r.return_after_ready) if r.return_after_ready else "n/a")
        + " |",
        "| `up` exited, after the last create returned | "
        + (_at(r.up_seconds - r.last_return_at) if r.last_return_at is not None else "n/a")
        + " |",
        f"| DescribeImageCaches calls, all | {r.calls.get(DESCRIBE, 0)} |",
        f"| CreateImageCache calls | {r.calls.get(CREATE, 0)} |",
        f"| AssumeRole calls | {r.assume_role} |",
        f"| InvalidSecurityToken.Expired answers | {r.expired} |",
        "| error codes answered | "
        + (", ".join(f"{c} {n}" for c, n in sorted(r.error_codes.items())) or "none")
        + " |",
        f"| caches Ready | {r.ready} of {r.caches}"
        + (f" (not Ready: {r.not_ready_statuses})" if r.not_ready_statuses else "")
        + " |",
        "| caches Ready by account | "
        + ", ".join(f"{a}: {n}" for a, n in r.ready_by_account.items())
        + " |",
        "| caches Ready by region | "
        + ", ".join(f"{g}: {n}" for g, n in r.ready_by_region.items())
        + " |",
        f"| provider processes (descendants of the CLI running the plugin) | "
        f"{p.provider_processes} |",
        f"| peak RSS, the provider processes' sum / one | {p.providers_sum_peak_mib:.0f} MiB / "
        f"{p.provider_one_peak_mib:.0f} MiB |",
        f"| peak RSS, the CLI / the YAML language host / this process (emulator) | "
        f"{p.cli_peak_mib:.0f} / {p.language_host_peak_mib:.0f} / "
        f"{p.this_process_peak_mib:.0f} MiB |",
        f"| CPU seconds: the providers (sum) / the CLI / the YAML language host / "
        f"this process | {p.provider_cpu_seconds:.0f} / {p.cli_cpu_seconds:.0f} / "
        f"{p.language_host_cpu_seconds:.0f} / {p.this_process_cpu_seconds:.0f} |",
        f"| the stack's checkpoint file (file backend), largest size seen | "
        f"{p.state_file_peak_bytes / 2**20:.1f} MiB |",
        f"| 1-minute load average at the start / end | {r.load[0]:.1f} / {r.load[1]:.1f} |",
        "",
        "Provider processes, each seen from / to (s from the start of `up`), peak RSS: "
        + ", ".join(f"{a:g}-{b:g} s {m:.0f} MiB" for a, b, m in p.provider_spans)
        + ".",
        "",
        "| provider (account / region) | caches | Ready | CreateImageCache | "
        "DescribeImageCaches (refused) | first / last Create accepted |",
        "|---|---|---|---|---|---|",
    ]
    for x in r.providers:
        out.append(
            f"| {x.name} ({x.account} / {x.region}) | {x.caches} | {x.ready} | {x.create_calls} "
            f"| {x.describe_calls} ({x.describe_refused}) "
            f"| {_at(x.first_create_accepted_at)} / {_at(x.last_create_accepted_at)} |"
        )
    out += ["", f"Principals that signed ECI calls: {', '.join(r.eci_principals)}", ""]
    for text, n in r.diagnostics.items():
        out.append(f"(fleet) {n}x {text}")
    if r.error:
        out.append(f"(fleet) error: {r.error[:1500]}")
    if out[-1] != "":
        out.append("")
    return out


@dataclass
class Skipped:
    key: str
    reason: str


Result = RolesResult | FleetResult | Skipped


def markdown(results: Sequence[Result], info: Mapping[str, str]) -> str:
    out = [
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, "
        f"pulumi SDK {info['pulumi_sdk']}, pulumi CLI {info['pulumi_cli']}, {info['platform']}; "
        f"load average (1, 5, 15 min) at the start: {info.get('load_at_start', 'n/a')}",
        "",
    ]
    for r in results:
        if isinstance(r, RolesResult):
            out += _roles_table(r)
        elif isinstance(r, FleetResult):
            out += _fleet_table(r)
        else:
            out += [f"({r.key}) skipped: {r.reason}", ""]
    return "\n".join(out).rstrip() + "\n"


# -------------------------------------------------------------------------------- main

VARIANTS = ("r", "fleet")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--variants", default="r,fleet", help="comma-separated: r, fleet")
    parser.add_argument("--caches", type=int, help="(r) caches per up (50)")
    parser.add_argument("--build-seconds", type=float, help="build time, both variants (30)")
    parser.add_argument("--repeats", type=int, help="(r) ups per setting (3)")
    parser.add_argument("--parallel", type=int, default=64, help="(r) --parallel (64)")
    parser.add_argument(
        "--token-lifetime", type=float, default=20.0, help="(r) STS session seconds (20)"
    )
    parser.add_argument("--fleet-caches", type=int, help="(fleet) caches (1000)")
    parser.add_argument(
        "--fleet-parallel", type=int, help="(fleet) --parallel (default: the fleet's caches)"
    )
    parser.add_argument(
        "--fleet-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="(fleet) add this to the CLI's environment (a diagnostic, e.g. "
        "PULUMI_SKIP_CHECKPOINTS=true); repeatable",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: caches 10, builds 10 s, repeats 1, fleet 100 (explicit flags win)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    defaults = {"caches": 50, "build_seconds": 30.0, "repeats": 3, "fleet_caches": 1000}
    if args.quick:
        defaults = {"caches": 10, "build_seconds": 10.0, "repeats": 1, "fleet_caches": 100}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.fleet_parallel is None:
        args.fleet_parallel = args.fleet_caches
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if not args.variants or set(args.variants) - set(VARIANTS):
        parser.error(f"--variants: choose from {VARIANTS}")
    if args.caches < 1 or args.repeats < 1 or args.build_seconds <= 0:
        parser.error("--caches and --repeats must be >= 1, --build-seconds > 0")
    if args.fleet_caches < 1:
        parser.error("--fleet-caches must be >= 1")
    if any("=" not in item for item in args.fleet_env):
        parser.error("--fleet-env takes NAME=VALUE")
    args.fleet_env = dict(item.split("=", 1) for item in args.fleet_env)
    return args


def run(args: argparse.Namespace, bin_dir: Path | None, why: str) -> list[Result]:
    results: list[Result] = []
    for key in args.variants:
        if bin_dir is None:
            results.append(Skipped(key, why))
            continue
        print(f"-- running ({key}) ...", file=sys.stderr, flush=True)
        began = time.monotonic()
        if key == "r":
            results.append(
                run_roles_variant(
                    args.caches,
                    args.build_seconds,
                    args.parallel,
                    args.repeats,
                    args.token_lifetime,
                    bin_dir,
                )
            )
        elif key == "fleet":
            results.append(
                run_fleet_variant(
                    args.fleet_caches,
                    args.build_seconds,
                    args.fleet_parallel,
                    bin_dir,
                    args.fleet_env,
                )
            )
        print(f"-- ({key}) took {time.monotonic() - began:.1f} s", file=sys.stderr, flush=True)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    bin_dir, why = find_pulumi_cli()
    results = run(args, bin_dir, why)
    info = {**machine(bin_dir), "load_at_start": load}
    print(markdown(results, info), end="")
    if args.json:
        payload = {
            "machine": info,
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
