"""BENCH_RESOURCES (default 100) trivial dynamic resources: the preview baseline."""

import os

from pulumi.dynamic import Resource
from trivial_provider import TrivialProvider


class Thing(Resource, module="bench", name="Thing"):
    def __init__(self, name: str) -> None:
        super().__init__(TrivialProvider(), name, {"name": name, "images": ["nginx:1.25"]})


for i in range(int(os.environ.get("BENCH_RESOURCES", "100"))):
    Thing(f"thing-{i}")
