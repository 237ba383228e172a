"""A dynamic provider that shows what the server hooks give a provider's code.

``create`` answers with the URN ``server_hooks.current_urn()`` saw, or fails the way
its ``fail`` input says: ``expected`` (an EciCacheError a person should read) or
``bug`` (any other exception, which must keep its traceback).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import ConfigureRequest, CreateResult, ResourceProvider

from pulumi_eci_cache.engine.dynamic import server_hooks
from pulumi_eci_cache.errors import ApiError


class HooksProvider(ResourceProvider):
    def configure(self, req: ConfigureRequest) -> None:
        server_hooks.install()

    def create(self, props: dict[str, Any]) -> CreateResult:
        if props.get("fail") == "expected":
            raise ApiError("CreateImageCache", "Forbidden.RAM", "you may not", "REQ-1", 403)
        if props.get("fail") == "bug":
            raise KeyError("a-programming-error")
        return CreateResult("ok", {"urn": server_hooks.current_urn()})
