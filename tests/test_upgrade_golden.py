"""A stack made by an earlier release keeps working: its pickled provider still loads.

Every dynamic resource's state holds ``__provider``: the provider pickled by dill BY
REFERENCE (module and class name). tests/golden/provider-2e71674.b64 is the value the
previous release (main at 2e71674, which wrote it into every state it made) stores; it
must load into today's ``ImageCacheProvider``, and today's provider must pickle to the
same bytes, so new states keep the same path.
"""

from __future__ import annotations

import base64
from pathlib import Path

import dill
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_eci_cache.provider import ImageCacheProvider

GOLDEN = Path(__file__).parent / "golden" / "provider-2e71674.b64"


def test_the_previous_releases_pickled_provider_loads_into_todays_class() -> None:
    provider = dill.loads(base64.b64decode(GOLDEN.read_text().strip()))
    assert type(provider) is ImageCacheProvider
    assert vars(provider) == {}


def test_today_writes_the_same_pickled_provider_into_new_states() -> None:
    assert serialize_provider(ImageCacheProvider()) == GOLDEN.read_text().strip()


def test_the_provider_class_is_defined_where_states_point() -> None:
    assert ImageCacheProvider.__module__ == "pulumi_eci_cache.provider"
    assert ImageCacheProvider.__qualname__ == "ImageCacheProvider"
