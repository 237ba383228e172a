"""The one lifecycle in-process: ``ImageCacheLifecycle`` over a ``Runtime`` whose HTTP
goes to the emulator through an ``httpx.MockTransport`` (no socket, no provider process).

``Emulator`` is an ``EciBackend`` on a ``FakeClock`` (nothing ages unless a test moves
it) whose builds end on the first look at them, unless held (``hold_builds``) until the
test ends them (``finish_builds``). ``Provider`` is what one provider process holds --
a runtime and its lifecycle -- called the way a face calls it (check, then create with
the checked inputs), with the face's naming; closing it is the process dying.
``Lines`` records what the calls show their user and lets a test wait for a line (the
waiter's first look at a cache is its first status line), so a test starts a call in
the background (tests/support/background.py) and acts once the call is where it wants
it, instead of sleeping to let it begin.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from pulumi_eci_cache.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    EciBackend,
    EciResponses,
    FakeClock,
)
from pulumi_eci_cache.lifecycle.lifecycle import Call, ImageCacheLifecycle
from pulumi_eci_cache.lifecycle.runtime import Runtime
from pulumi_eci_cache.rules.config import ProviderConfig
from pulumi_eci_cache.rules.diff import DiffPlan
from pulumi_eci_cache.rules.naming import SNAKE, Naming
from tests.support.background import DEADLINE

__all__ = ["ENDPOINT", "IDENTITY", "Emulator", "Line", "Lines", "Provider", "inputs"]

ENDPOINT = "http://eci.emulator.test"  # never resolved: the transport answers
IDENTITY = "proj/stack/web"  # the resource, as the dynamic face's program names it
BASE_ENV = {
    "ECI_CACHE_ENDPOINT": ENDPOINT,
    "ALIBABA_CLOUD_STS_ENDPOINT": ENDPOINT,
    "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou",
    "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
    "HOME": "/nonexistent",  # no aliyun CLI profile of the machine's
}
# Polling as fast as a test wants it; a request budget that never makes rounds wait.
FAST = {
    "poll_floor_seconds": 0.05,
    "poll_first_seconds": 0.05,
    "poll_ceiling_seconds": 0.5,
    "max_requests_per_second": 1000.0,
}


def inputs(**overrides: Any) -> dict[str, Any]:
    """A resource's inputs as its program writes them (model names)."""
    return {"image_cache_name": "web", "images": ["nginx:1.25"], **overrides}


@dataclass(frozen=True)
class Line:
    """One line a call showed its user: ``status`` (the row), ``note`` or ``warn``."""

    kind: str
    label: str
    text: str


class Lines:
    """Where a provider's calls put their lines (lifecycle.Lines), kept for the test."""

    def __init__(self) -> None:
        self._lines: list[Line] = []
        self._changed = threading.Condition()

    def status(self, label: str, state: str, detail: str = "", urn: str | None = None) -> None:
        self._add(Line("status", label, f"{state} {detail}".strip()))

    def note(self, label: str, message: str, urn: str | None = None) -> None:
        self._add(Line("note", label, message))

    def warn(self, label: str, message: str, urn: str | None = None) -> None:
        self._add(Line("warn", label, message))

    def _add(self, line: Line) -> None:
        with self._changed:
            self._lines.append(line)
            self._changed.notify_all()

    def __iter__(self) -> Iterator[Line]:
        with self._changed:
            return iter(list(self._lines))

    def wait_for(self, wanted: Callable[[Line], bool], what: str) -> Line:
        """The first line ``wanted`` accepts, once a call has shown it."""

        def found() -> Line | None:
            return next((line for line in self._lines if wanted(line)), None)

        with self._changed:
            if not self._changed.wait_for(lambda: found() is not None, DEADLINE):
                raise AssertionError(f"no line {what} within {DEADLINE}s: {self._lines}")
            line = found()
        assert line is not None
        return line

    def waiting(self, status: str = "Creating", name: str = "web") -> str:
        """The id of the cache ``name`` once its row shows ``status``: a create's first
        such line is its waiter's first look (the wait is under way), an update's is
        sent with the change, before the wait."""
        label = re.compile(rf"{re.escape(name)} \((imc-\w+)\)")
        line = self.wait_for(
            lambda line: (
                line.kind == "status"
                and label.fullmatch(line.label) is not None
                and line.text.startswith(status)
            ),
            f"showing {name} {status}",
        )
        match = label.fullmatch(line.label)
        assert match is not None
        return match.group(1)


class Provider:
    """One provider process: a runtime and its lifecycle, called as a face calls them."""

    def __init__(
        self,
        emulator: Emulator,
        naming: Naming = SNAKE,
        env: Mapping[str, str] | None = None,
        **settings: Any,
    ) -> None:
        self.naming = naming
        self.lines = Lines()
        config = ProviderConfig(**{**FAST, **settings})
        self.runtime = Runtime(
            config, environ={**BASE_ENV, **(env or {})}, transport=emulator.transport
        )
        self.lifecycle = ImageCacheLifecycle(self.runtime)

    def call(self, identity: str = IDENTITY, timeout: float | None = None) -> Call:
        return Call(
            urn=None, log=self.lines, naming=self.naming, identity=identity, timeout=timeout
        )

    def check(self, **overrides: Any) -> dict[str, Any]:
        """The inputs as check stores them (the engine creates and updates with these)."""
        outcome = self.lifecycle.check(inputs(**overrides), self.call())
        assert outcome.failures == []
        return outcome.inputs

    def create(self, identity: str = IDENTITY, **overrides: Any) -> tuple[str, dict[str, Any]]:
        return self.lifecycle.create(self.check(**overrides), self.call(identity))

    def diff(self, cache_id: str, olds: Mapping[str, Any], **overrides: Any) -> DiffPlan:
        return self.lifecycle.diff(cache_id, olds, self.check(**overrides), self.call())

    def update(self, cache_id: str, olds: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
        return self.lifecycle.update(cache_id, olds, self.check(**overrides), self.call())

    def read(
        self, cache_id: str, props: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        return self.lifecycle.read(cache_id, props, self.call())

    def delete(self, cache_id: str, props: Mapping[str, Any]) -> None:
        self.lifecycle.delete(cache_id, props, self.call())

    def close(self) -> None:
        """The process ends: every wait it had ends, its clients close."""
        self.runtime.close()


class Emulator:
    """The emulator's backend, answering a provider's HTTP in-process."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.backend = EciBackend(clock=self.clock, build_seconds=0)
        responses = EciResponses(self.backend)

        def answer(request: httpx.Request) -> httpx.Response:
            reply = responses.handle(
                request.method, str(request.url), dict(request.headers), request.content
            )
            if reply.drop:  # a connection that hangs up without an answer
                raise httpx.RemoteProtocolError("Server disconnected", request=request)
            return httpx.Response(reply.status, headers=reply.headers, content=reply.body)

        self.transport = httpx.MockTransport(answer)
        self._providers: list[Provider] = []

    def provider(
        self, naming: Naming = SNAKE, env: Mapping[str, str] | None = None, **settings: Any
    ) -> Provider:
        """A new provider process (closed at the end of the test if the test does not)."""
        provider = Provider(self, naming, env, **settings)
        self._providers.append(provider)
        return provider

    def live(self) -> list[dict[str, Any]]:
        """Every cache the service holds, in every account, as Describe shows it."""
        with self.backend.lock:
            return [cache.to_api() for cache in self.backend.all_caches()]

    def ids(self) -> list[str]:
        return [cache["ImageCacheId"] for cache in self.live()]

    def hold_builds(self, held: bool = True) -> None:
        """Builds started from now on wait for ``finish_builds`` (at 99%)."""
        with self.backend.lock:
            self.backend.hold_builds = held

    def finish_builds(self) -> None:
        """Every build ends now (held or not); later ones end on their first look."""
        with self.backend.lock:
            self.backend.hold_builds = False
            self.backend.finish_builds()

    def close(self) -> None:
        for provider in self._providers:
            provider.close()
