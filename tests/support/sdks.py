"""Generate the SDKs of a provider schema and prove each one builds.

The SDKs come from Pulumi's own code generators (``scripts/sdkgen``, the Go program in
``sdkgen/``), the same ones ``pulumi package gen-sdk`` runs, so what is proven here is
what users of the provider would get:

- TypeScript: ``tsc`` on the generated package with its own tsconfig.json, against the
  pinned ``typescript`` / ``@pulumi/pulumi`` of ``tests/support/node`` (installed once
  into the cache with ``npm ci``; npm missing is an error, never a skip);
- Go: a go.mod requiring the CLI's release of ``github.com/pulumi/pulumi/sdk/v3`` (with
  that module's own replaces), ``go build ./...`` and ``go vet ./...``;
- Python: ``python -m compileall``, ``pip install`` into a directory of its own and an
  import of the package (and a program under Pulumi's mocks) with this interpreter;
- .NET: generated only; ``dotnet build`` when a .NET SDK is on PATH.

A program that uses an SDK (examples/typescript, examples/go) gets it the way its user
does: the built package in its node_modules (:func:`link_node_modules`), or a go.mod
``replace`` of the SDK's module by the generated directory (:func:`use_go_sdk`).

Every failure raises ``ToolchainError`` (an AssertionError) carrying the command and
its output. The cache root is ``$PULUMI_ECI_CACHE_HOME`` or ``~/.cache/pulumi-eci-cache``,
shared with scripts/ensure-pulumi and scripts/sdkgen.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.support import virtualenv

REPO = Path(__file__).resolve().parents[2]
SDKGEN = REPO / "scripts" / "sdkgen"
NODE_TOOLCHAIN = Path(__file__).resolve().parent / "node"
CLI_VERSION_FILE = REPO / "scripts" / "pulumi-cli-version"
PULUMI_GO_SDK = "github.com/pulumi/pulumi/sdk/v3"
LANGUAGES = ("nodejs", "go", "python", "dotnet")

# Generous: a cold machine downloads and compiles what the warm one has cached.
BUILD_TIMEOUT = 1800.0

__all__ = [
    "LANGUAGES",
    "ToolchainError",
    "build_dotnet_sdk",
    "build_go_sdk",
    "cache_root",
    "check_python_sdk",
    "cli_version",
    "compile_nodejs_sdk",
    "dotnet_available",
    "generate_sdk",
    "go_env",
    "go_sdk_paths",
    "link_node_modules",
    "node_modules",
    "python_package_name",
    "run_go",
    "run_sdkgen",
    "typecheck_nodejs_program",
    "use_go_sdk",
    "write_go_mod",
]


class ToolchainError(AssertionError):
    """A command of the toolchain failed, or a tool it needs is missing."""

    def __init__(self, message: str, output: str = "") -> None:
        self.output = output
        super().__init__(f"{message}\n{output}" if output else message)


def cache_root() -> Path:
    """The cache shared with scripts/ensure-pulumi and scripts/sdkgen."""
    configured = os.environ.get("PULUMI_ECI_CACHE_HOME")
    return Path(configured) if configured else Path.home() / ".cache" / "pulumi-eci-cache"


def cli_version() -> str:
    """The pulumi release the SDKs are built against: the CLI's (scripts/pulumi-cli-version)."""
    return CLI_VERSION_FILE.read_text().strip()


def _run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = BUILD_TIMEOUT,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    cmd = [str(a) for a in argv]
    try:
        proc = virtualenv.run(cmd, cwd, env, timeout)
    except FileNotFoundError as exc:
        raise ToolchainError(f"`{cmd[0]}` is not on PATH (needed for `{' '.join(cmd)}`)") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolchainError(
            f"`{' '.join(cmd)}` (in {cwd}) timed out after {timeout:.0f}s"
        ) from exc
    if check and proc.returncode != 0:
        raise ToolchainError(
            f"`{' '.join(cmd)}` (in {cwd}) exited {proc.returncode}",
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}",
        )
    return proc


@contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    """One installer at a time (two pytest sessions share the cache)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ------------------------------------------------------------------------- generating


def run_sdkgen(
    *args: str | os.PathLike[str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``scripts/sdkgen ARGS`` (builds sdkgen into the cache on first use)."""
    return _run(["bash", SDKGEN, *args], cwd=REPO, check=check)


def generate_sdk(
    schema_file: Path, language: str, out_dir: Path, version: str | None = None
) -> Path:
    """Write the ``language`` SDK of ``schema_file`` into ``out_dir`` (returned), of
    ``version`` (the schema's when None)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (one of {', '.join(LANGUAGES)})")
    versioned = ["--version", version] if version is not None else []
    run_sdkgen("generate", schema_file, "--language", language, "--out", out_dir, *versioned)
    if not out_dir.is_dir() or not any(out_dir.iterdir()):
        raise ToolchainError(f"sdkgen wrote nothing into {out_dir}")
    return out_dir


# ------------------------------------------------------------------------- TypeScript


def node_modules() -> Path:
    """The node_modules of tests/support/node, installed once per lock file with ``npm ci``.

    Kept under the cache root by a hash of package.json and package-lock.json, with a
    stamp written last, so a rerun costs nothing and a changed pin installs afresh.
    """
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise ToolchainError(
            "node and npm are needed to compile the TypeScript SDK but are not on PATH "
            "(install Node.js 22 or newer with npm: @pulumi/pulumi declares node >=22)"
        )
    manifest = (NODE_TOOLCHAIN / "package.json").read_bytes()
    lock = (NODE_TOOLCHAIN / "package-lock.json").read_bytes()
    digest = hashlib.sha256(manifest + b"\0" + lock).hexdigest()[:16]
    prefix = cache_root() / f"node-toolchain-{digest}"
    stamp = prefix / ".complete"
    modules = prefix / "node_modules"
    if stamp.exists() and (modules / ".bin" / "tsc").exists():
        return modules
    with _locked(prefix / ".lock"):
        if stamp.exists() and (modules / ".bin" / "tsc").exists():
            return modules
        stamp.unlink(missing_ok=True)
        (prefix / "package.json").write_bytes(manifest)
        (prefix / "package-lock.json").write_bytes(lock)
        # Type-checking and running programs need no install script (protobufjs's
        # postinstall only prints a notice).
        _run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=prefix,
        )
        if not (modules / ".bin" / "tsc").exists():
            raise ToolchainError(f"npm ci in {prefix} installed no tsc")
        stamp.write_text(f"{digest}\n")
    return modules


def _link_node_modules(directory: Path) -> None:
    link = directory / "node_modules"
    if link.is_symlink() or link.exists():
        return
    link.symlink_to(node_modules(), target_is_directory=True)


def link_node_modules(program_dir: Path, packages: Mapping[str, Path]) -> Path:
    """A program's node_modules as ``npm install`` leaves it: the pinned toolchain's
    packages and ``packages`` (name -> package directory), each a symlink, so nothing is
    written into the shared toolchain."""
    modules = program_dir / "node_modules"
    modules.mkdir()
    for entry in node_modules().iterdir():
        (modules / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    for name, directory in packages.items():
        link = modules / name
        if link.parent.is_symlink():
            raise ToolchainError(f"{name}: its scope is the toolchain's, which is never written")
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(directory, target_is_directory=True)
    return modules


def typecheck_nodejs_program(program_dir: Path, packages: Mapping[str, Path]) -> None:
    """``tsc --noEmit`` of a TypeScript program with its own tsconfig.json, its imports
    resolved as when it runs (:func:`link_node_modules` with ``packages``).

    Only the program's own files are checked (``--skipLibCheck``), as ts-node checks them
    when the program runs: the packages' declarations were checked when they were built.
    """
    link_node_modules(program_dir, packages)
    tsc = node_modules() / ".bin" / "tsc"
    project = program_dir / "tsconfig.json"
    _run([tsc, "--project", project, "--noEmit", "--skipLibCheck"], cwd=program_dir)


def compile_nodejs_sdk(sdk_dir: Path, program: str | None = None) -> Path:
    """``tsc`` on a generated nodejs SDK with its own tsconfig.json; returns its ``bin``,
    with the SDK's package.json copied in: the package a program installs (as ``npm run
    build && cp package.json bin/``; the SDK reads its version from there).

    ``program``, when given, is TypeScript that imports the SDK by its package name; it
    is type-checked (strict, no emit) against the compiled declarations, the way a
    user's program sees the published package.
    """
    package = json.loads((sdk_dir / "package.json").read_text())
    _link_node_modules(sdk_dir)
    tsc = node_modules() / ".bin" / "tsc"
    _run([tsc, "--project", sdk_dir / "tsconfig.json"], cwd=sdk_dir)
    bin_dir = sdk_dir / "bin"
    if not (bin_dir / "index.js").exists() or not (bin_dir / "index.d.ts").exists():
        raise ToolchainError(f"tsc wrote no bin/index.js and bin/index.d.ts in {sdk_dir}")
    shutil.copyfile(sdk_dir / "package.json", bin_dir / "package.json")
    if program is not None:
        consumer = sdk_dir.parent / f"{sdk_dir.name}-program"
        consumer.mkdir(exist_ok=True)
        _link_node_modules(consumer)
        (consumer / "index.ts").write_text(program)
        tsconfig = {
            "compilerOptions": {
                "strict": True,
                "noEmit": True,
                # The SDK's declarations were just emitted by tsc; checking them again
                # (and @pulumi/pulumi's) would double the time and prove nothing new.
                "skipLibCheck": True,
                "target": "ES2022",
                "module": "nodenext",
                "moduleResolution": "nodenext",
                "types": ["node"],
                "paths": {package["name"]: [str(bin_dir / "index.d.ts")]},
            },
            "files": ["index.ts"],
        }
        (consumer / "tsconfig.json").write_text(json.dumps(tsconfig, indent=2))
        _run([tsc, "--project", consumer / "tsconfig.json"], cwd=consumer)
    return bin_dir


# --------------------------------------------------------------------------------- Go


def go_env() -> dict[str, str]:
    """The environment of every go command here: the local toolchain, go.sum written."""
    env = dict(os.environ)
    env["GOTOOLCHAIN"] = env.get("GOTOOLCHAIN") or "local"
    env["GOFLAGS"] = " ".join(filter(None, [env.get("GOFLAGS", ""), "-mod=mod"]))
    return env


def run_go(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``go ARGS`` in ``cwd`` with :func:`go_env`; raises ToolchainError when it fails."""
    return _run(["go", *args], cwd=cwd, env=go_env())


def _versioned_replaces(gomod: str) -> list[str]:
    """The ``old => new version`` replaces of a go.mod (local-path ones dropped)."""
    lines: list[str] = []
    in_block = False
    for raw in gomod.splitlines():
        line = raw.split("//", 1)[0].strip()
        if re.fullmatch(r"replace\s*\(", line):
            in_block = True
            continue
        if in_block and line == ")":
            in_block = False
            continue
        if in_block:
            body = line
        elif line.startswith("replace "):
            body = line[len("replace ") :].strip()
        else:
            continue
        old, arrow, new = body.partition("=>")
        target = new.split()
        if arrow and len(target) == 2 and not target[0].startswith((".", "/")):
            lines.append(f"replace {' '.join(old.split())} => {' '.join(target)}")
    return sorted(set(lines))


def _go_sdk_replaces(version: str) -> list[str]:
    info = json.loads(
        _run(
            ["go", "mod", "download", "-json", f"{PULUMI_GO_SDK}@v{version}"],
            cwd=REPO,
            env=go_env(),
        ).stdout
    )
    return _versioned_replaces(Path(info["GoMod"]).read_text())


def write_go_mod(module_dir: Path, module_path: str) -> Path:
    """A go.mod requiring the CLI's sdk/v3 release, with that module's replaces."""
    version = cli_version()
    go_version = _run(["go", "env", "GOVERSION"], cwd=REPO, env=go_env()).stdout.strip()
    match = re.match(r"go(\d+\.\d+)", go_version)
    if match is None:
        raise ToolchainError(f"cannot read the Go version from {go_version!r}")
    text = (
        f"module {module_path}\n\ngo {match.group(1)}\n\n"
        f"require {PULUMI_GO_SDK} v{version}\n\n" + "\n".join(_go_sdk_replaces(version)) + "\n"
    )
    target = module_dir / "go.mod"
    target.write_text(text)
    return target


def use_go_sdk(program_dir: Path, sdk_dir: Path) -> None:
    """Point a Go program at a generated SDK, as its user does: its go.mod ``replace``s the
    SDK's module by ``sdk_dir``, then ``go mod tidy`` fills in go.sum."""
    module_dir, module_path = _go_module_path(sdk_dir)
    run_go(["mod", "edit", f"-replace={module_path}={module_dir}"], program_dir)
    run_go(["mod", "tidy"], program_dir)


def go_sdk_paths(sdk_dir: Path) -> tuple[str, str]:
    """The module path of a generated Go SDK and the import path of its root package."""
    module_dir, module_path = _go_module_path(sdk_dir)
    utilities = sorted(sdk_dir.glob("**/internal/pulumiUtilities.go"))
    if not utilities:
        raise ToolchainError(f"no internal/pulumiUtilities.go under {sdk_dir}: not a Go SDK")
    rel = utilities[0].parent.parent.relative_to(module_dir).as_posix()
    return module_path, module_path if rel == "." else f"{module_path}/{rel}"


def _go_module_path(sdk_dir: Path) -> tuple[Path, str]:
    """Where the generated Go SDK's module root is, and its module path.

    A schema with ``supportPack`` gets a go.mod from the generator (its module path is
    kept); otherwise the module path follows from the import path the generated code
    uses for its own ``internal`` package.
    """
    generated = sdk_dir / "go.mod"
    if generated.exists():
        match = re.search(r"^module\s+(\S+)", generated.read_text(), re.MULTILINE)
        if match is None:
            raise ToolchainError(f"{generated} has no module line")
        return sdk_dir, match.group(1)
    utilities = sorted(sdk_dir.glob("**/internal/pulumiUtilities.go"))
    if not utilities:
        raise ToolchainError(f"no internal/pulumiUtilities.go under {sdk_dir}: not a Go SDK")
    root_package = utilities[0].parent.parent
    rel = root_package.relative_to(sdk_dir).as_posix()
    pattern = re.compile(r'"([^"\s]+)/internal"')
    for go_file in sorted(root_package.glob("*.go")):
        match = pattern.search(go_file.read_text())
        if match:
            import_path = match.group(1)
            if not import_path.endswith("/" + rel):
                raise ToolchainError(f"{go_file} imports {import_path}/internal, not .../{rel}")
            return sdk_dir, import_path[: -len(rel) - 1]
    raise ToolchainError(f"no file of {root_package} imports its internal package")


def build_go_sdk(sdk_dir: Path, programs: Mapping[str, str] | None = None) -> str:
    """``go build ./...`` and ``go vet ./...`` of a generated Go SDK; returns its module path.

    ``programs`` maps paths inside the module (e.g. ``"program/main.go"``) to Go source
    written there first: programs that use the SDK, built and vetted with it.
    """
    module_dir, module_path = _go_module_path(sdk_dir)
    write_go_mod(module_dir, module_path)
    for rel, source in (programs or {}).items():
        target = module_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source)
    run_go(["mod", "tidy"], module_dir)
    run_go(["build", "./..."], module_dir)
    run_go(["vet", "./..."], module_dir)
    return module_path


# ----------------------------------------------------------------------------- Python


def python_package_name(sdk_dir: Path) -> str:
    """The import name of a generated Python SDK (the package holding pulumi-plugin.json)."""
    candidates = sorted(
        p.parent.name
        for p in sdk_dir.glob("*/__init__.py")
        if (p.parent / "pulumi-plugin.json").exists()
    )
    if len(candidates) != 1:
        raise ToolchainError(f"expected one generated package under {sdk_dir}, found {candidates}")
    return candidates[0]


def install_python_sdk(sdk_dir: Path) -> Path:
    """``pip install --no-deps --target`` a generated Python SDK next to ``sdk_dir``; the
    directory to put on PYTHONPATH. Installed, not used in place: the SDK reads its own
    version from its installed metadata. Done once per ``sdk_dir``."""
    site = sdk_dir.parent / f"{sdk_dir.name}-site"
    if not site.is_dir():
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--disable-pip-version-check",
                "--target",
                site,
                sdk_dir,
            ],
            cwd=sdk_dir,
        )
    return site


def check_python_sdk(sdk_dir: Path, program: str | None = None) -> str:
    """Byte-compile a generated Python SDK, install it and import it with this interpreter.

    Returns the package name. The SDK is installed (``install_python_sdk``).
    ``program``, when given, runs after the import in a fresh interpreter that sees the
    installed SDK and this interpreter's packages (pulumi); a non-zero exit raises.
    """
    package = python_package_name(sdk_dir)
    _run([sys.executable, "-m", "compileall", "-q", sdk_dir], cwd=sdk_dir)
    site = install_python_sdk(sdk_dir)
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    code = f"import {package}\n" + (program or "")
    _run([sys.executable, "-c", code], cwd=site, env=env)
    return package


# ------------------------------------------------------------------------------- .NET


def dotnet_available() -> bool:
    """Whether a .NET SDK is on PATH (none on the machines this suite was written on)."""
    return shutil.which("dotnet") is not None


def build_dotnet_sdk(sdk_dir: Path) -> None:
    """``dotnet build`` of a generated .NET SDK (needs a .NET SDK and nuget.org)."""
    projects = sorted(sdk_dir.glob("*.csproj"))
    if len(projects) != 1:
        raise ToolchainError(f"expected one .csproj in {sdk_dir}, found {projects}")
    _run(["dotnet", "build", projects[0]], cwd=sdk_dir)
