"""The installed version (the one source is pyproject.toml; an installed package knows it,
a source tree on sys.path that was never installed does not)."""

from __future__ import annotations

import importlib.metadata

__all__ = ["VERSION"]

try:
    VERSION = importlib.metadata.version("pulumi-eci-cache")
except importlib.metadata.PackageNotFoundError:
    VERSION = "0+unknown"
