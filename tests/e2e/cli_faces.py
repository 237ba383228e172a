"""The provider's two faces under the real CLI: which program, type token and config.

- ``DYNAMIC``: Python programs (``ImageCache`` of pulumi_eci_cache), served by the
  dynamic provider; settings under ``eci-cache:``.
- ``PLUGIN``: YAML programs (``type: ecicache:ImageCache``), served by the
  ``pulumi-resource-ecicache`` plugin that the CLI finds on PATH (the virtualenv's
  ``bin``, put there by the stack factory); settings under ``ecicache:``.

A YAML program goes through the same ``pulumi_stack`` factory: it keeps the program's
``runtime: yaml`` and only adds a ``virtualenv`` option, which the YAML host ignores.
Programs with many caches are written on the fly (YAML has no loops).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .conftest import CONFIGURABLE, IMAGE_CACHE_TYPE, ServedEmulator, spec

__all__ = ["DYNAMIC", "FACES", "PLUGIN", "Face"]

POLLING = {"pollFloorSeconds": "0.2", "pollFirstSeconds": "0.2", "pollCeilingSeconds": "1"}


@dataclass(frozen=True)
class Face:
    """One face: its programs, its type token and how its settings are spelled."""

    name: str
    type: str
    namespace: str  # of the provider's settings in stack config
    one: str  # one cache "cache" (image_cache_name "e2e"), its timeout from stack config

    def config(self, emulator: ServedEmulator) -> dict[str, str]:
        """Fast polling, and the endpoint where the factory does not set it already."""
        settings = {f"{self.namespace}:{key}": value for key, value in POLLING.items()}
        settings[f"{self.namespace}:endpoint"] = emulator.url
        return settings

    def timeout_config(self, timeout: str) -> dict[str, str]:
        """Stack config giving the cache of ``one`` this ``timeout``."""
        if self is DYNAMIC:
            return {"spec": spec(timeout=timeout)}
        return {"timeout": timeout}

    def many(self, count: int, directory: Path) -> tuple[str, dict[str, str]]:
        """A program of ``count`` caches (cache-0...) and the stack config it needs."""
        if self is DYNAMIC:
            return "tests/e2e/programs/many", {"count": str(count)}
        directory.mkdir(parents=True, exist_ok=True)
        resources = {
            f"cache-{i}": {
                "type": self.type,
                "properties": {"imageCacheName": f"cache-{i}", "images": ["nginx:1.25"]},
            }
            for i in range(count)
        }
        program = {"name": "eci-cache-e2e-yaml-many", "runtime": "yaml", "resources": resources}
        (directory / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
        return str(directory), {}


DYNAMIC = Face(
    name="dynamic",
    type=IMAGE_CACHE_TYPE,
    namespace="eci-cache",
    one=CONFIGURABLE,
)
PLUGIN = Face(
    name="plugin",
    type="ecicache:index:ImageCache",
    namespace="ecicache",
    one="tests/e2e/programs/yaml-configurable",
)
FACES = (DYNAMIC, PLUGIN)
