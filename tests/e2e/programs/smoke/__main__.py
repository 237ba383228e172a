"""Smoke program: one dynamic resource whose message comes from stack config."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import Resource
from smoke_provider import EchoProvider


class Echo(Resource):
    message: pulumi.Output[str]
    shout: pulumi.Output[str]

    def __init__(self, name: str, message: Any, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(EchoProvider(), name, {"message": message, "shout": None}, opts)


config = pulumi.Config()
echo = Echo("echo", config.get("message") or "hello")

pulumi.export("echo_id", echo.id)
pulumi.export("message", echo.message)
pulumi.export("shout", echo.shout)
