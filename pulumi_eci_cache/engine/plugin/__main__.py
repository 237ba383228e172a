"""``pulumi-resource-ecicache <engine address>``: the engine starts the plugin this way."""

from __future__ import annotations

import sys

from pulumi_eci_cache import __version__
from pulumi_eci_cache.engine.plugin.servicer import serve


def main() -> None:
    serve(sys.argv, _semver(__version__))


def _semver(version: str) -> str:
    """The engine wants a semantic version; a checkout that was never installed has none."""
    return "0.0.0" if version.startswith("0+") else version


if __name__ == "__main__":
    main()
