"""``pulumi-resource-ecicache <engine address>``: the engine starts the plugin this way."""

from __future__ import annotations

import sys

from pulumi_eci_cache.engine.plugin.servicer import serve
from pulumi_eci_cache.version import VERSION


def main() -> None:
    serve(sys.argv, _semver(VERSION))


def _semver(version: str) -> str:
    """The engine wants a semantic version; a checkout that was never installed has none."""
    return "0.0.0" if version.startswith("0+") else version


if __name__ == "__main__":
    main()
