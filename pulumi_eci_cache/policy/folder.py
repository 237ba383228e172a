"""The policy pack directory ``eci-cache policy-pack DIR`` writes.

``pulumi preview --policy-pack DIR`` runs it (``--policy-pack-config FILE`` sets each
policy's enforcement level and settings; DIR/policy-config.json shows them all, with
the defaults). It holds:

- ``PulumiPolicy.yaml``: ``runtime: python``, with the virtualenv this package runs in,
  and the package's version as the pack's;
- ``__main__.py``: the pack of the installed package (policy/pack.py);
- ``requirements.txt``: ``pulumi-eci-cache[policy]`` of this version, for a new
  virtualenv;
- ``policy-config.json``: every policy's config, the defaults;
- ``run-pack``: the pack as an executable, for a CLI whose Python language host cannot
  run a policy pack directory: ``--policy-pack DIR/run-pack``. (The CLI that
  scripts/ensure-pulumi builds can: its Python host, the newest the Go module proxy
  serves, predates running packs, and a proxy in front of it runs them,
  scripts/langhost-python/main.go.)

Writing never imports pulumi_policy; it only says when it is missing.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from pulumi_eci_cache.errors import ConfigError
from pulumi_eci_cache.rules.policies import default_config
from pulumi_eci_cache.version import VERSION

__all__ = ["CONFIG_FILE", "LAUNCHER", "write_pack"]

CONFIG_FILE = "policy-config.json"
LAUNCHER = "run-pack"

_MAIN = '''"""The eci-cache policy pack of the installed pulumi-eci-cache."""

from pulumi_eci_cache.policy.pack import serve

serve()
'''


def _project(virtualenv: str | None) -> str:
    lines = [
        "description: Governance of ECI image caches (pulumi-eci-cache)",
        f"version: {json.dumps(VERSION)}",
        "runtime:",
        "  name: python",
    ]
    if virtualenv:
        lines += ["  options:", f"    virtualenv: {json.dumps(virtualenv)}"]
    return "\n".join(lines) + "\n"


def _launcher(python: str) -> str:
    return (
        "#!/bin/sh\n"
        "# The pack as an executable policy plugin: the engine passes its address; the\n"
        "# directory is this script's.\n"
        'dir=$(cd "$(dirname "$0")" && pwd)\n'
        f'exec {json.dumps(python)} -u -m pulumi.policy "$@" "$dir"\n'
    )


def write_pack(directory: Path, *, force: bool = False) -> list[Path]:
    """Write the pack into ``directory`` (made if missing); the files written.

    ConfigError (one sentence) when pulumi-policy is not installed, or ``directory`` is
    a file or holds other files and ``force`` is not set.
    """
    if importlib.util.find_spec("pulumi_policy") is None:
        raise ConfigError(
            "pulumi-policy is not installed: install the extra, "
            f"pip install 'pulumi-eci-cache[policy]=={VERSION}'"
        )
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory} is a file, not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise ConfigError(f"{directory} is not empty (--force writes the pack's files over it)")
    python = sys.executable
    virtualenv = sys.prefix if sys.prefix != sys.base_prefix else None
    files = {
        "PulumiPolicy.yaml": _project(virtualenv),
        "__main__.py": _MAIN,
        "requirements.txt": f"pulumi-eci-cache[policy]=={VERSION}\n",
        CONFIG_FILE: json.dumps(default_config(), indent=2) + "\n",
        LAUNCHER: _launcher(python),
    }
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    (directory / LAUNCHER).chmod(0o755)
    return written
