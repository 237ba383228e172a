"""A trivial dynamic provider, in an importable module (pickled by reference)."""

from __future__ import annotations

import uuid
from typing import Any

from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)


def _outs(props: dict[str, Any]) -> dict[str, Any]:
    return {"message": props["message"], "shout": str(props["message"]).upper()}


class EchoProvider(ResourceProvider):
    """Stores a message; ``shout`` is computed by the provider."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        print(f"smoke: creating echo {props['message']!r}", flush=True)
        return CreateResult(id_="echo-" + uuid.uuid4().hex[:12], outs=_outs(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = olds.get("message") != news.get("message")
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=_outs(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        print("smoke: deleting echo", flush=True)
