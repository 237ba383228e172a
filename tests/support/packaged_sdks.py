"""``make sdks`` (scripts/make-sdks): the plugin's SDKs, generated from its own schema and
packed, each of the package's version.

Into ``dist/sdks/`` (gitignored):

- ``ecicache.json``: the schema the plugin serves, taken from the models (no ``pulumi
  package get-schema``, which resolves a bare plugin name in Pulumi's registry);
- ``pulumi-eci-cache-ecicache-<version>.tgz``: the TypeScript SDK compiled (``.js`` and
  ``.d.ts``) and packed with ``npm pack``: ``npm install`` of the file is all a program needs;
- ``pulumi_ecicache-<version>-py3-none-any.whl``: the Python SDK (``python -m build``);
- ``dotnet/``: the .NET SDK's source.

The Go SDK is committed under ``sdk/go`` (module :data:`GO_MODULE`): a program requires
the published path and, until it is published, ``replace``s it by that folder.
tests/test_packaged_sdks.py fails when the committed copy is stale against the schema.

Each SDK names the plugin (``ecicache``) and the version the engine must load:
pulumi-plugin.json (Go, Python, .NET), package.json's ``pulumi`` block (TypeScript).
The generators and the compilers are tests/support/sdks.py's.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pulumi_eci_cache.engine.plugin.schema import schema_json
from pulumi_eci_cache.version import VERSION
from tests.support import sdks

DIST = sdks.REPO / "dist" / "sdks"
GO_SDK = sdks.REPO / "sdk" / "go"
GO_MODULE = "github.com/pulumi-eci-cache/pulumi-eci-cache/sdk/go"
REGENERATE = "make sdks"

__all__ = [
    "DIST",
    "GO_MODULE",
    "GO_SDK",
    "PackedSdks",
    "build_python_wheel",
    "generate_go_sdk",
    "go_sdk_differences",
    "make_sdks",
    "pack_nodejs_sdk",
    "package_version",
    "tarball_name",
    "unpack_tarball",
    "write_schema",
]


@dataclass(frozen=True)
class PackedSdks:
    schema: Path
    tarball: Path
    wheel: Path
    dotnet: Path
    go: Path


def package_version() -> str:
    """The installed package's version: every SDK carries it, so the engine asks for the
    plugin that ``pip install pulumi-eci-cache`` of that version put on PATH."""
    if VERSION.startswith("0+"):
        raise sdks.ToolchainError(
            "pulumi-eci-cache is not installed, so it has no version to give the SDKs "
            "(make venv, or pip install -e .)"
        )
    return VERSION


def tarball_name(version: str) -> str:
    """What ``npm pack`` names the TypeScript SDK (scope and name joined by a dash)."""
    return f"pulumi-eci-cache-ecicache-{version}.tgz"


def write_schema(path: Path, version: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_json(version))
    return path


def _fresh(directory: Path) -> Path:
    if directory.exists():
        shutil.rmtree(directory)
    return directory


def generate_go_sdk(schema: Path, out_dir: Path, version: str) -> Path:
    """The Go SDK as committed: the generator's output, untouched (its go.mod included)."""
    return sdks.generate_sdk(schema, "go", _fresh(out_dir), version)


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def go_sdk_differences(generated: Path, committed: Path) -> list[str]:
    """The files that differ between two Go SDK trees (missing on either side, or changed)."""
    ours, theirs = _tree(generated), _tree(committed) if committed.is_dir() else set()
    changed = {
        rel
        for rel in ours & theirs
        if not filecmp.cmp(generated / rel, committed / rel, shallow=False)
    }
    return sorted((ours ^ theirs) | changed)


def pack_nodejs_sdk(sdk_dir: Path, dest: Path) -> Path:
    """Compile the TypeScript SDK and ``npm pack`` its ``bin/``: the tarball holds the
    compiled files at its root and a package.json whose main and types point at them."""
    bin_dir = sdks.compile_nodejs_sdk(sdk_dir)
    package = json.loads((sdk_dir / "package.json").read_text())
    # The build's own scripts and tools mean nothing to whoever installs the built files.
    for key in ("scripts", "devDependencies"):
        package.pop(key, None)
    package.update(main="index.js", types="index.d.ts")
    (bin_dir / "package.json").write_text(json.dumps(package, indent=4) + "\n")
    readme = sdk_dir / "README.md"
    if readme.exists():
        shutil.copyfile(readme, bin_dir / "README.md")
    dest.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm is None:
        raise sdks.ToolchainError("npm is needed to pack the TypeScript SDK but is not on PATH")
    proc = subprocess.run(
        [npm, "pack", "--json", "--pack-destination", str(dest), str(bin_dir)],
        cwd=sdk_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise sdks.ToolchainError(f"npm pack {bin_dir} exited {proc.returncode}", proc.stderr)
    tarball = dest / json.loads(proc.stdout)[0]["filename"]
    if not tarball.is_file():
        raise sdks.ToolchainError(f"npm pack wrote no {tarball}", proc.stdout)
    return tarball


def unpack_tarball(tarball: Path, dest: Path) -> Path:
    """The package directory npm makes of a tarball (its ``package/`` folder)."""
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["tar", "-xzf", str(tarball), "-C", str(dest)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 or not (dest / "package" / "package.json").is_file():
        raise sdks.ToolchainError(f"tar could not unpack {tarball} into {dest}", proc.stderr)
    return dest / "package"


def build_python_wheel(sdk_dir: Path, dest: Path) -> Path:
    """``python -m build --wheel`` of the generated Python SDK (its setup.py has the version)."""
    before = set(dest.glob("*.whl")) if dest.is_dir() else set()
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dest), str(sdk_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise sdks.ToolchainError(
            f"python -m build {sdk_dir} exited {proc.returncode}", proc.stdout + proc.stderr
        )
    wheels = sorted(set(dest.glob("pulumi_ecicache-*.whl")) - before)
    if len(wheels) != 1:
        raise sdks.ToolchainError(f"python -m build wrote {wheels} into {dest}", proc.stdout)
    return wheels[0]


def make_sdks(dist: Path = DIST, go_dir: Path = GO_SDK) -> PackedSdks:
    """Everything ``make sdks`` makes: ``dist`` emptied and refilled, ``go_dir`` rewritten."""
    version = package_version()
    _fresh(dist).mkdir(parents=True)
    schema = write_schema(dist / "ecicache.json", version)
    with tempfile.TemporaryDirectory(prefix="ecicache-sdks-") as scratch:
        work = Path(scratch)
        nodejs = sdks.generate_sdk(schema, "nodejs", work / "nodejs", version)
        tarball = pack_nodejs_sdk(nodejs, dist)
        python = sdks.generate_sdk(schema, "python", work / "python", version)
        wheel = build_python_wheel(python, dist)
    dotnet = sdks.generate_sdk(schema, "dotnet", dist / "dotnet", version)
    go = generate_go_sdk(schema, go_dir, version)
    return PackedSdks(schema=schema, tarball=tarball, wheel=wheel, dotnet=dotnet, go=go)


def _describe(path: Path) -> str:
    if path.is_dir():
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return f"{path}/ ({len(_tree(path))} files, {size // 1024} KiB)"
    return f"{path} ({path.stat().st_size // 1024} KiB)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/make-sdks", description=__doc__.split("\n")[0])
    parser.add_argument("--dist", type=Path, default=DIST, help="where the packages go")
    parser.add_argument("--go-out", type=Path, default=GO_SDK, help="where the Go SDK goes")
    args = parser.parse_args(argv)
    try:
        packed = make_sdks(args.dist.resolve(), args.go_out.resolve())
    except sdks.ToolchainError as exc:
        print(f"make-sdks: {exc}", file=sys.stderr)
        return 1
    print(f"SDKs of ecicache {package_version()}:")
    for path in (packed.tarball, packed.wheel, packed.dotnet, packed.go, packed.schema):
        print(f"  {_describe(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
