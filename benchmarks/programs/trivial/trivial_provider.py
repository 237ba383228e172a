"""The smallest useful dynamic provider (importable, so it is pickled by reference)."""

from __future__ import annotations

import uuid
from typing import Any

from pulumi.dynamic import CreateResult, ResourceProvider


class TrivialProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_="t-" + uuid.uuid4().hex[:12], outs=dict(props))
