"""Fixtures for end-to-end tests: the real ``pulumi`` CLI, the served emulator, stacks.

- ``pulumi_cli`` (session): runs ``scripts/ensure-pulumi`` (builds the CLI and the
  Python, YAML, Node.js and Go language hosts from the Go module proxy on a cold
  machine) and FAILS, never skips, when that does not work or a host is missing.
- ``served_emulator``: ``python -m pulumi_eci_cache.emulator --port 0`` in a subprocess,
  with a temp state file; ``.url``, ``.caches()``, ``.reset()``, ``.get()``, ``.post()``.
  Override the ``emulator_options`` fixture (in a test module or class) to pass other
  command-line options, e.g. ``{"build_seconds": 0}``.
- ``pulumi_stack``: a factory ``pulumi_stack("examples/quickstart") -> PulumiStack``:
  a copy of a program directory in tmp_path, its own PULUMI_HOME and file backend, a
  stack, the endpoint set to the served emulator, credentials in the env.
  Python programs get ``runtime.options.virtualenv``; other runtimes run as written.
  ``stack.run(*args)`` runs the CLI (``--non-interactive``, a timeout) and raises
  ``PulumiCommandError`` (with stdout and stderr) when it fails. ``stack.use_venv(path)``
  runs the same stack's program and provider in another virtualenv from then on.
  The program's runtime decides the face: a Python program uses the dynamic provider
  (``eci-cache:endpoint``, its virtualenv written into Pulumi.yaml), a YAML, TypeScript
  or Go program the plugin ``pulumi-resource-ecicache`` that the engine finds on PATH
  in the virtualenv's ``bin`` (``ecicache:endpoint``). ``plugin_stack`` is such a
  program polling fast; ``stack.program()`` / ``stack.write_program()`` read and edit a
  YAML one.
- ``previous_release`` (session): the release of tests/e2e/previous-release in a
  virtualenv of its own (tests/support/previous_release.py, cached across runs);
  ``previous_release_pulumi_stack`` is ``pulumi_stack`` with that virtualenv.

The Python language host we can build is the one from sdk/v3 v3.79.0; a newer CLI no
longer hands it ``runtime.options.virtualenv``, so the program's virtualenv ``bin`` is
put first on PATH here (see tests/e2e/README-notes.md).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.previous_release import PreviousRelease, build_previous_release
from tests.support.wheel_install import WheelVenv

REPO_ROOT = Path(__file__).resolve().parents[2]
ENSURE_PULUMI = REPO_ROOT / "scripts" / "ensure-pulumi"
# The virtualenv the programs run in: the repo's own (it has pulumi_eci_cache installed
# in editable mode). PULUMI_ECI_E2E_VENV overrides it.
VENV = Path(os.environ.get("PULUMI_ECI_E2E_VENV") or REPO_ROOT / ".venv").resolve()

EMULATOR_ACCESS_KEY_ID = "emulator-access-key-id"
EMULATOR_ACCESS_KEY_SECRET = "emulator-access-key-secret"
EMULATOR_REGION = "cn-hangzhou"
PASSPHRASE = "e2e-passphrase"

# Each face reads its settings from stack config under its own namespace, keyed by the
# program's runtime: Python programs use the dynamic provider; YAML, TypeScript and Go
# programs (the latter two through the SDKs generated from its schema) the plugin.
SETTINGS_NAMESPACE = {
    "python": "eci-cache",
    "yaml": "ecicache",
    "nodejs": "ecicache",
    "go": "ecicache",
}
# Polling fast enough for one-second builds (the provider's settings).
POLLING = {"pollFloorSeconds": "0.2", "pollFirstSeconds": "0.2", "pollCeilingSeconds": "1"}
FAST_POLLING = {f"{SETTINGS_NAMESPACE['python']}:{k}": v for k, v in POLLING.items()}
PLUGIN_FAST_POLLING = {f"{SETTINGS_NAMESPACE['yaml']}:{k}": v for k, v in POLLING.items()}
CONFIGURABLE = "tests/e2e/programs/configurable"
# The type token of ImageCache in a Python program's state (the dynamic face).
IMAGE_CACHE_TYPE = "pulumi-python:dynamic/eci:ImageCache"
# ... and in a state the plugin made (YAML writes it `ecicache:ImageCache`).
PLUGIN_IMAGE_CACHE_TYPE = "ecicache:index:ImageCache"
PLUGIN = "pulumi-resource-ecicache"

# What scripts/ensure-pulumi puts in the directory it prints: the CLI and a language
# host per runtime the e2e programs use (python, yaml, nodejs, go).
CLI_EXECUTABLES = (
    "pulumi",
    "pulumi-language-python",
    "pulumi-language-python-exec",
    "pulumi-resource-pulumi-python",
    "pulumi-language-yaml",
    "pulumi-language-nodejs",
    "pulumi-language-go",
)

DEFAULT_TIMEOUT = 600.0
EMULATOR_START_TIMEOUT = 60.0

# Environment variables of the caller that would point the CLI elsewhere.
_SCRUBBED_ENV = (
    "PULUMI_ACCESS_TOKEN",
    "PULUMI_BACKEND_URL",
    "PULUMI_CONFIG_PASSPHRASE_FILE",
    "PULUMI_STACK",
    "PULUMI_HOME",
    "PULUMI_DEBUG_LANGUAGES",
    "PULUMI_DEBUG_PROVIDERS",
    "ECI_CACHE_ENDPOINT",
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_REGION_ID",
    "ALICLOUD_ACCESS_KEY",
    "ALICLOUD_SECRET_KEY",
    "ALICLOUD_REGION",
)


# --------------------------------------------------------------------------- the CLI


@dataclass(frozen=True)
class PulumiCli:
    """Where the CLI and its helpers are, and the PATH that makes them work."""

    bin_dir: Path
    version: str
    venv: Path

    @property
    def pulumi(self) -> Path:
        return self.bin_dir / "pulumi"

    def path_env(self, base: str | None = None) -> str:
        """PATH with the CLI dir and the virtualenv's bin first."""
        rest = os.environ.get("PATH", "") if base is None else base
        return os.pathsep.join([str(self.bin_dir), str(self.venv / "bin"), rest])


@pytest.fixture(scope="session")
def pulumi_cli() -> PulumiCli:
    """The CLI of scripts/pulumi-cli-version (built if needed); fails with the script's error."""
    if not (VENV / "bin" / "python").exists():
        pytest.fail(f"no virtualenv at {VENV} (run `make venv`)", pytrace=False)
    started = time.monotonic()
    try:
        proc = subprocess.run(
            ["bash", str(ENSURE_PULUMI)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=3600,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"scripts/ensure-pulumi timed out after {exc.timeout}s:\n{exc.stderr}")
    if proc.returncode != 0:
        pytest.fail(
            f"scripts/ensure-pulumi failed (exit {proc.returncode}) after "
            f"{time.monotonic() - started:.0f}s:\n{proc.stderr}{proc.stdout}",
            pytrace=False,
        )
    bin_dir = Path(proc.stdout.strip().splitlines()[-1])
    missing = [name for name in CLI_EXECUTABLES if not (bin_dir / name).is_file()]
    if missing:
        pytest.fail(
            f"scripts/ensure-pulumi printed {bin_dir}, which lacks {', '.join(missing)}:\n"
            f"{proc.stderr}",
            pytrace=False,
        )
    version = subprocess.run(
        [str(bin_dir / "pulumi"), "version"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
    ).stdout.strip()
    return PulumiCli(bin_dir=bin_dir, version=version, venv=VENV)


# ---------------------------------------------------------------------- the emulator


@dataclass
class ServedEmulator:
    """A running ``python -m pulumi_eci_cache.emulator`` and its admin API."""

    url: str
    process: subprocess.Popen[bytes]
    state_file: Path
    log_file: Path
    access_key_id: str = EMULATOR_ACCESS_KEY_ID
    access_key_secret: str = EMULATOR_ACCESS_KEY_SECRET
    region: str = EMULATOR_REGION
    options: dict[str, Any] = field(default_factory=dict)

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        url = self.url + "/_emulator/" + path.lstrip("/").removeprefix("_emulator/")
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise AssertionError(f"emulator admin {method} {url} -> {exc.code}: {detail}") from exc
        return json.loads(raw) if raw else None

    def get(self, path: str) -> Any:
        """GET /_emulator/<path> (JSON)."""
        return self._request("GET", path)

    def post(self, path: str, json: Any = None) -> Any:
        """POST /_emulator/<path> with a JSON body (``{}`` when None)."""
        return self._request("POST", path, {} if json is None else json)

    def caches(self) -> list[dict[str, Any]]:
        """Every cache the emulator holds (all regions), in the API's shape."""
        result: list[dict[str, Any]] = self.get("caches")["ImageCaches"]
        return result

    def reset(self) -> None:
        """Forget every cache (and faults, counters)."""
        self.post("reset", {})

    def env(self) -> dict[str, str]:
        """Environment variables that point a provider at this emulator."""
        return {
            "ALIBABA_CLOUD_ACCESS_KEY_ID": self.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": self.access_key_secret,
            "ALIBABA_CLOUD_REGION_ID": self.region,
        }

    def client(self) -> Any:
        """An ``EciClient`` signed with this emulator's key (for changes "made elsewhere")."""
        from pulumi_eci_cache.cloud.client import EciClient, static_settings

        settings = static_settings(
            self.url, self.region, self.access_key_id, self.access_key_secret
        )
        return EciClient(settings)

    def vendor_create(self, region: str | None = None, **parameters: Any) -> str:
        """A cache made with the vendor's own SDK (aliyunsdkeci), as a team makes one
        outside Pulumi: ``vendor_create(ImageCacheName="web", Images=[...], VSwitchId=...)``
        (the request class's setter names). Its id."""
        from aliyunsdkcore.client import AcsClient
        from aliyunsdkeci.request.v20180808.CreateImageCacheRequest import (
            CreateImageCacheRequest,
        )

        request = CreateImageCacheRequest()
        for name, value in parameters.items():
            getattr(request, f"set_{name}")(value)
        request.set_endpoint(self.url.removeprefix("http://"))
        request.set_protocol_type("http")
        client = AcsClient(self.access_key_id, self.access_key_secret, region or self.region)
        answer: dict[str, Any] = json.loads(client.do_action_with_exception(request))
        return str(answer["ImageCacheId"])

    def cache_made_elsewhere(
        self, name: str = "web", images: Sequence[str] = ("nginx:1.25", "redis:7.2")
    ) -> str:
        """A cache made outside Pulumi (with the vendor's SDK), built to Ready: its id."""
        cache_id = self.vendor_create(ImageCacheName=name, Images=list(images))
        self.post("builds/finish")
        return cache_id

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def restart(self) -> None:
        """Start it again on the same port, from its state file (an endpoint that comes
        back), after ``stop``."""
        again = start_emulator(
            self.state_file.parent, self.options, port=int(self.url.rsplit(":", 1)[1])
        )
        self.process, self.log_file = again.process, again.log_file

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _option_args(options: Mapping[str, Any]) -> list[str]:
    args: list[str] = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        args += [flag] if value is True else [flag, str(value)]
    return args


def start_emulator(
    workdir: Path,
    options: Mapping[str, Any] | None = None,
    *,
    python: str | None = None,
    command: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    port: int = 0,
) -> ServedEmulator:
    """Start the emulator on a free loopback port (or ``port``); wait for its listening line.

    ``command`` replaces ``<python> -u -m pulumi_eci_cache.emulator`` (e.g. the
    ``eci-emulator`` console script of another virtualenv); ``env`` replaces this
    process's environment.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    opts: dict[str, Any] = {
        "state": str(workdir / "emulator-state.json"),
        "build_seconds": 1,
        "access_key_id": EMULATOR_ACCESS_KEY_ID,
        "access_key_secret": EMULATOR_ACCESS_KEY_SECRET,
        "region": EMULATOR_REGION,
        **(options or {}),
        "port": port,
    }
    log_file = workdir / f"emulator-{time.monotonic_ns()}.log"
    prefix = command or [python or sys.executable, "-u", "-m", "pulumi_eci_cache.emulator"]
    cmd = [*prefix, *_option_args(opts)]
    with log_file.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=workdir,
            env=None if env is None else dict(env),
        )
    marker = "ECI emulator listening on "
    deadline = time.monotonic() + EMULATOR_START_TIMEOUT
    while True:
        text = log_file.read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith(marker):
                return ServedEmulator(
                    url=line[len(marker) :].strip().rstrip("/"),
                    process=proc,
                    state_file=Path(opts["state"]),
                    log_file=log_file,
                    access_key_id=str(opts["access_key_id"]),
                    access_key_secret=str(opts["access_key_secret"]),
                    region=str(opts["region"]),
                    options=dict(options or {}),
                )
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            raise AssertionError(
                f"the emulator did not start (exit {proc.returncode}): {' '.join(cmd)}\n{text}"
            )
        time.sleep(0.05)


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """Command-line options of ``served_emulator`` (override this fixture to change)."""
    return {"build_seconds": 1}


@pytest.fixture
def served_emulator(
    tmp_path_factory: pytest.TempPathFactory, emulator_options: dict[str, Any]
) -> Iterator[ServedEmulator]:
    emulator = start_emulator(tmp_path_factory.mktemp("emulator"), emulator_options)
    try:
        yield emulator
    finally:
        emulator.stop()


# ------------------------------------------------------------------------ the stack


class PulumiCommandError(AssertionError):
    """A pulumi command exited non-zero (or timed out)."""

    def __init__(self, args: Sequence[str], returncode: int | None, stdout: str, stderr: str):
        self.cmd = list(args)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        status = "timed out" if returncode is None else f"exited {returncode}"
        super().__init__(
            f"`{' '.join(self.cmd)}` {status}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        )


@dataclass
class PulumiStack:
    """A program copied into a temp dir, with its own PULUMI_HOME, backend and stack."""

    cli: PulumiCli
    project_dir: Path
    state_dir: Path
    stack_name: str
    env: dict[str, str]
    default_timeout: float = DEFAULT_TIMEOUT
    history: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    def run(
        self,
        *args: str,
        check: bool = True,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``pulumi <args> --non-interactive`` in the project dir.

        Raises PulumiCommandError with stdout and stderr when it exits non-zero (unless
        check=False) or does not finish within ``timeout`` seconds.
        """
        argv = list(args)
        extra = ["--non-interactive", "--color=never"]
        if "--" in argv:
            i = argv.index("--")
            argv[i:i] = extra
        else:
            argv += extra
        cmd = [str(self.cli.pulumi), *argv]
        try:
            proc = subprocess.run(
                cmd,
                cwd=self.project_dir,
                env={**self.env, **(env or {})},
                capture_output=True,
                text=True,
                input=input,
                stdin=None if input is not None else subprocess.DEVNULL,
                timeout=self.default_timeout if timeout is None else timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
            err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
            raise PulumiCommandError(cmd, None, out, err) from exc
        self.history.append(proc)
        if check and proc.returncode != 0:
            raise PulumiCommandError(cmd, proc.returncode, proc.stdout, proc.stderr)
        return proc

    # Conveniences over run() --------------------------------------------------------

    def config_set(self, key: str, value: str, *, secret: bool = False) -> None:
        self.run("config", "set", key, value, *(["--secret"] if secret else []))

    def preview(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return self.run("preview", *args, **kw)

    def preview_json(self, *args: str, **kw: Any) -> dict[str, Any]:
        """``pulumi preview --json``: {"steps": [...], "changeSummary": {...}, ...}."""
        result: dict[str, Any] = json.loads(self.run("preview", "--json", *args, **kw).stdout)
        return result

    def up(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return self.run("up", "--yes", "--skip-preview", *args, **kw)

    def refresh(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return self.run("refresh", "--yes", "--skip-preview", *args, **kw)

    def destroy(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return self.run("destroy", "--yes", "--skip-preview", *args, **kw)

    def outputs(self) -> dict[str, Any]:
        """``pulumi stack output --json --show-secrets``."""
        result: dict[str, Any] = json.loads(
            self.run("stack", "output", "--json", "--show-secrets").stdout
        )
        return result

    def export(self) -> dict[str, Any]:
        """``pulumi stack export --show-secrets`` (the deployment)."""
        result: dict[str, Any] = json.loads(self.run("stack", "export", "--show-secrets").stdout)
        return result

    def resources(self, type_: str | None = None) -> list[dict[str, Any]]:
        """The resources in the state (optionally only those of one type token)."""
        res: list[dict[str, Any]] = self.export()["deployment"].get("resources") or []
        return [r for r in res if type_ is None or r.get("type") == type_]

    def program(self) -> dict[str, Any]:
        """The project's Pulumi.yaml: a YAML program's resources and outputs live in it."""
        project: dict[str, Any] = yaml.safe_load((self.project_dir / "Pulumi.yaml").read_text())
        return project

    def write_program(self, project: Mapping[str, Any]) -> None:
        """Replace the project's Pulumi.yaml (the edit a user makes between runs)."""
        text = yaml.safe_dump(dict(project), sort_keys=False)
        (self.project_dir / "Pulumi.yaml").write_text(text)

    def use_venv(self, venv: Path) -> None:
        """Run the program and its provider in ``venv`` from now on, as a user who upgrades
        the package under an existing stack: same project dir, backend and PULUMI_HOME."""
        old_bin, new_bin = str(self.cli.venv / "bin"), str(venv / "bin")
        path = self.env["PATH"].split(os.pathsep)
        if old_bin not in path:
            raise AssertionError(f"the stack's PATH does not hold its virtualenv's {old_bin}")
        _set_virtualenv(self.project_dir / "Pulumi.yaml", venv)
        self.env["PATH"] = os.pathsep.join(new_bin if p == old_bin else p for p in path)
        self.env["VIRTUAL_ENV"] = str(venv)
        self.cli = replace(self.cli, venv=venv)


def _prepare_project(source: Path, dest: Path, venv: Path) -> str:
    """Copy the program; answer its runtime (``python``, ``yaml``, ``nodejs``, ...)."""
    shutil.copytree(
        source,
        dest,
        # node_modules: a TypeScript program's packages are the test's to provide.
        ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc", "Pulumi.*.yaml", ".pulumi", "node_modules"
        ),
    )
    project_file = dest / "Pulumi.yaml"
    if not project_file.exists():
        project_file.write_text(yaml.safe_dump({"name": source.name.replace("_", "-")}))
    runtime = _runtime(project_file)
    if runtime == "python":
        _set_virtualenv(project_file, venv)
    elif runtime in SETTINGS_NAMESPACE and not (venv / "bin" / PLUGIN).exists():
        raise AssertionError(f"no {PLUGIN} in {venv / 'bin'} (pip install -e . there)")
    return runtime


def _runtime(project_file: Path) -> str:
    """The runtime's name (``runtime: yaml`` or ``runtime: {name: python, ...}``)."""
    runtime = (yaml.safe_load(project_file.read_text()) or {}).get("runtime") or "python"
    return str(runtime.get("name") if isinstance(runtime, dict) else runtime)


def _set_virtualenv(project_file: Path, venv: Path) -> None:
    """Pulumi.yaml as the harness runs it: ``runtime.options.virtualenv`` is ``venv``
    (absolute), and no ``main:``."""
    project = yaml.safe_load(project_file.read_text()) or {}
    runtime = project.get("runtime")
    if not isinstance(runtime, dict):
        runtime = {"name": runtime or "python"}
    if runtime.get("name") == "python":
        options = runtime.get("options")
        if not isinstance(options, dict):
            options = {}
        options["virtualenv"] = str(venv)
        runtime["options"] = options
    project["runtime"] = runtime
    # The copy holds the program itself: a `main:` pointing elsewhere would be wrong.
    project.pop("main", None)
    project_file.write_text(yaml.safe_dump(project, sort_keys=False))


def stack_factory(
    pulumi_cli: PulumiCli, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[..., PulumiStack]:
    """The ``pulumi_stack`` factory for programs run in ``pulumi_cli.venv``."""
    counter = iter(range(1_000_000))

    def make(
        source: str | os.PathLike[str],
        *,
        emulator: ServedEmulator | bool | None = True,
        stack: str = "e2e",
        config: Mapping[str, str | tuple[str, bool]] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> PulumiStack:
        src = Path(source)
        if not src.is_absolute():
            src = REPO_ROOT / src
        if not src.is_dir():
            raise FileNotFoundError(f"no program directory {src}")
        root = tmp_path / f"stack{next(counter)}"
        project_dir = root / "project"
        state_dir = root / "state"
        home = root / "pulumi-home"
        state_dir.mkdir(parents=True)
        home.mkdir()
        runtime = _prepare_project(src, project_dir, pulumi_cli.venv)

        served: ServedEmulator | None
        if emulator is True:
            served = request.getfixturevalue("served_emulator")
        elif isinstance(emulator, ServedEmulator):
            served = emulator
        else:
            served = None

        base_env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
        stack_env = {
            **base_env,
            "PATH": pulumi_cli.path_env(base_env.get("PATH", "")),
            "VIRTUAL_ENV": str(pulumi_cli.venv),
            "PULUMI_HOME": str(home),
            "PULUMI_BACKEND_URL": state_dir.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            **(served.env() if served else {}),
            **(env or {}),
        }
        st = PulumiStack(
            cli=pulumi_cli,
            project_dir=project_dir,
            state_dir=state_dir,
            stack_name=stack,
            env=stack_env,
        )
        st.run("login", state_dir.as_uri())
        st.run("stack", "init", stack)
        if served is not None:
            if runtime not in SETTINGS_NAMESPACE:
                raise AssertionError(f"a {runtime} program has no face here: emulator=None")
            st.config_set(f"{SETTINGS_NAMESPACE[runtime]}:endpoint", served.url)
        for key, value in (config or {}).items():
            if isinstance(value, tuple):
                st.config_set(key, value[0], secret=value[1])
            else:
                st.config_set(key, value)
        return st

    return make


@pytest.fixture
def pulumi_stack(
    pulumi_cli: PulumiCli, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[..., PulumiStack]:
    """Factory: ``pulumi_stack(source, *, emulator=True, stack="e2e", config=None, env=None)``.

    ``source`` is a program directory, relative to the repo root (``"examples/quickstart"``)
    or absolute. ``emulator=True`` uses the ``served_emulator`` fixture; pass a
    ``ServedEmulator`` to use another, or ``None`` for programs that need none.
    ``config`` is set with ``pulumi config set`` (a value of ``("v", True)`` as a secret).
    A Python program runs in the virtualenv (the dynamic face); a YAML, TypeScript or Go
    program (``runtime: yaml``, ``nodejs``, ``go``) on the plugin, whose settings are
    ``ecicache:*``.
    Nothing is destroyed at teardown: state, PULUMI_HOME and the emulator are temporary.
    """
    return stack_factory(pulumi_cli, tmp_path, request)


# ------------------------------------------------------------- the wheel install


@pytest.fixture
def wheel_emulator(
    tmp_path_factory: pytest.TempPathFactory, wheel_venv: WheelVenv
) -> Iterator[ServedEmulator]:
    """The emulator served by the wheel install's ``eci-emulator`` console script."""
    emulator = start_emulator(
        tmp_path_factory.mktemp("wheel-emulator"),
        {"build_seconds": 1},
        command=[str(wheel_venv.bin("eci-emulator"))],
        env=wheel_venv.env(),
    )
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def wheel_pulumi_stack(
    pulumi_cli: PulumiCli,
    wheel_venv: WheelVenv,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., PulumiStack]:
    """``pulumi_stack``, but the program and its provider run in the wheel install's
    virtualenv (tests/support/wheel_install.py), never in the editable one."""
    monkeypatch.delenv("PYTHONPATH", raising=False)  # nothing may reach the source tree
    return stack_factory(replace(pulumi_cli, venv=wheel_venv.path), tmp_path, request)


@pytest.fixture(scope="session")
def previous_release() -> PreviousRelease:
    """The previous release (tests/e2e/previous-release) installed in a clean virtualenv
    of its own; built once, then reused from the cache (tests/support/previous_release.py)."""
    try:
        return build_previous_release()
    except AssertionError as exc:
        failure = str(exc)
    pytest.fail(f"the previous release's virtualenv could not be made:\n{failure}", pytrace=False)


@pytest.fixture
def previous_release_pulumi_stack(
    pulumi_cli: PulumiCli,
    previous_release: PreviousRelease,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., PulumiStack]:
    """``pulumi_stack``, but the program and its provider start in the previous release's
    virtualenv (``stack.use_venv(VENV)`` then upgrades them to the checkout)."""
    monkeypatch.delenv("PYTHONPATH", raising=False)  # nothing may reach the source tree
    return stack_factory(replace(pulumi_cli, venv=previous_release.venv.path), tmp_path, request)


def plugin_stack(
    pulumi_stack: Callable[..., PulumiStack],
    source: str = "examples/yaml-quickstart",
    *,
    config: Mapping[str, str | tuple[str, bool]] | None = None,
    env: Mapping[str, str] | None = None,
) -> PulumiStack:
    """A program on the plugin's default provider (YAML, TypeScript, Go), polling fast."""
    return pulumi_stack(source, config={**PLUGIN_FAST_POLLING, **(config or {})}, env=env)


def spec(**fields: Any) -> str:
    """The ``spec`` config of programs/configurable: one ImageCache's inputs, as JSON."""
    return json.dumps({"image_cache_name": "e2e", "images": ["nginx:1.25"], **fields})


def configurable_stack(pulumi_stack: Callable[..., PulumiStack], **fields: Any) -> PulumiStack:
    """programs/configurable with these inputs, polling fast."""
    return pulumi_stack(CONFIGURABLE, config={**FAST_POLLING, "spec": spec(**fields)})
