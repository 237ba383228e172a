"""What one provider holds while the engine runs it: per region a client, a poller, a budget.

A provider here is one dynamic provider process (every ImageCache of a Python program)
or one instance of the plugin (each explicit ``pulumi:providers:ecicache`` and the
default one). It has its settings (rules/config.py), and for each region its caches
live in (the provider's, or a resource's own ``region``) one client, one rate limiter
and one shared poller, made on first use. It also holds what spans the calls of a
deployment: the service's clock, the cache ids the stack holds (a replacement must
never adopt the cache it replaces), the engine's slots, and the cancel switch that
ends every wait at once.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import httpx

from pulumi_eci_cache.cloud.client import EciClient
from pulumi_eci_cache.cloud.clock import ServiceClock
from pulumi_eci_cache.cloud.credentials import CredentialSource
from pulumi_eci_cache.cloud.poller import PolledCache, SharedPoller
from pulumi_eci_cache.cloud.ratelimit import AdaptiveRateLimiter
from pulumi_eci_cache.cloud.roles import cache_role, with_roles
from pulumi_eci_cache.cloud.settings import Settings, resolve_settings
from pulumi_eci_cache.cloud.waiter import PollSchedule, Waiter
from pulumi_eci_cache.errors import CancelledError, ConfigError, KeyNames
from pulumi_eci_cache.lifecycle.preview_summary import PreviewSummary
from pulumi_eci_cache.lifecycle.slots import SlotWatch, default_parallel
from pulumi_eci_cache.rules.config import ProviderConfig, stack_key
from pulumi_eci_cache.rules.identity import account_of_arn, identity_tag_value
from pulumi_eci_cache.rules.naming import SNAKE, Naming
from pulumi_eci_cache.rules.retry import RetryPolicy
from pulumi_eci_cache.rules.roles import AssumeRole

__all__ = ["POLLER_RETRY", "Region", "Runtime", "role_of"]

# The poller's own retry: one quick second try, then the round is skipped and retried.
POLLER_RETRY = RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=1.0)


def role_of(props: Mapping[str, Any]) -> AssumeRole | None:
    """A cache's own role (its ``assume_role`` input, as stored), or None."""
    value = props.get("assume_role")
    if not isinstance(value, Mapping):
        return None
    try:
        return AssumeRole.model_validate(dict(value))
    except ValueError:  # checked at preview; a state can only hold a valid one
        return None


class Region:
    """One region's client, rate limiter and poller (one Describe round for everyone)."""

    def __init__(self, runtime: Runtime, settings: Settings) -> None:
        config = runtime.config
        self.settings = settings
        self.schedule = runtime.schedule
        rate = config.max_requests_per_second
        self.limiter = AdaptiveRateLimiter(rate=rate, burst=max(1.0, rate / 2), sleep=runtime.sleep)
        self.client = EciClient(
            settings,
            transport=runtime.transport,
            retry=RetryPolicy(max_transport_seconds=config.unreachable_timeout_seconds),
            rate_limiter=self.limiter,
            sleep=runtime.sleep,
            on_retry=runtime.say,
            service_clock=runtime.service_clock,
        )
        floor, limiter, client = self.schedule.floor, self.limiter, self.client
        self.poller = SharedPoller(
            lambda: client.describe_image_caches(retry=POLLER_RETRY, quiet=True),
            unreachable_after=config.unreachable_timeout_seconds,
            report=runtime.say,
            on_unreachable=client.rpc.mark_down,
            # Rounds take at most a third of the request budget, and less while creates
            # and updates queue for a token: they come first.
            min_interval=lambda: max(floor, (3.0 + limiter.waiting) / limiter.rate),
        )

    @property
    def region_id(self) -> str:
        return self.settings.region_id

    def look(self, cache_id: str) -> dict[str, Any] | None:
        """The cache as the next polling round sees it (shared with every other caller)."""
        return self.poller.observe(cache_id, time.monotonic())

    def recent_caches(self) -> dict[str, dict[str, Any]]:
        """Every cache as a round started within the last polling interval saw it.

        The crash-recovery lookups of creates that arrive together share one round, even
        one already under way, instead of each waiting an interval for the next.
        """
        return self.poller.snapshot(time.monotonic() - self.schedule.floor)

    def waiter(
        self,
        cache_id: str,
        timeout: float,
        on_poll: Callable[[Mapping[str, Any]], None] | None = None,
    ) -> Waiter:
        """A waiter fed by this region's poller."""
        view = PolledCache(self.poller, cache_id)
        return Waiter(
            fetch=view.fetch,
            sleep=view.sleep,
            expect=view.expect,
            timeout=timeout,
            schedule=self.schedule,
            on_poll=on_poll,
        )

    def acting_account(self) -> str | None:
        """The account these credentials act in, when known (learned once)."""
        who = self.settings.credentials.principal()
        return who.account_id if who is not None else None

    def identity_tag(self, resource: str | None) -> tuple[str | None, bool]:
        """The identity tag value for a new cache of ``resource``, and whether a cache
        bearing it may be that resource's own (False: no stable principal, identity.py)."""
        if not resource:
            return None, False
        who = self.settings.credentials.principal()
        return identity_tag_value(resource, who.key if who else None), who is not None

    def close(self) -> None:
        self.poller.interrupt(CancelledError("the provider shut down"))
        self.client.close()


class Runtime:
    """One provider's settings, regions, clock, slots and cancel switch."""

    def __init__(
        self,
        config: ProviderConfig,
        *,
        keys: KeyNames = stack_key,
        origin: str = "stack config",
        environ: Mapping[str, str] | None = None,
        say: Callable[[str], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        local_clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.keys = keys
        self.origin = origin
        self.environ = dict(os.environ if environ is None else environ)
        self.say: Callable[[str], None] = say or (lambda line: None)
        self.transport = transport
        self.service_clock = ServiceClock(local_clock)
        self.schedule = PollSchedule(
            floor=config.poll_floor_seconds,
            ceiling=config.poll_ceiling_seconds,
            first=config.poll_first_seconds,
        )
        self.cancelled = threading.Event()
        self.ids_in_state: set[str] = set()
        self.slots = SlotWatch(*default_parallel(self.environ), clock=time.monotonic)
        self.preview = PreviewSummary()
        self._advised: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._settings: Settings | None = None
        self._regions: dict[tuple[str, str], Region] = {}
        self._roles: dict[str, CredentialSource] = {}

    def first_advice(self, urn: str | None, name: str) -> bool:
        """True the first time this process gives ``name`` about the resource ``urn``
        (advice is shown once per cache per run; a call that names no resource always)."""
        if urn is None:
            return True
        with self._lock:
            if (urn, name) in self._advised:
                return False
            self._advised.add((urn, name))
            return True

    @property
    def settings(self) -> Settings:
        """Region, endpoint and credential source (credentials are resolved on first use)."""
        with self._lock:
            if self._settings is None:
                self._settings = resolve_settings(
                    self.config,
                    self.environ,
                    self.keys,
                    self.origin,
                    transport=self.transport,
                    service_clock=self.service_clock,
                    sleep=self.sleep,
                )
            return self._settings

    @property
    def default_region(self) -> str | None:
        """The provider's region, or None when none is configured (yet)."""
        try:
            return self.settings.region_id
        except Exception:  # a ConfigError: said again, to the point, by the call that needs it
            return None

    @property
    def configured_account(self) -> str | None:
        """The account the settings' role is in, known without a call (a preview makes
        none): the account of the last role the provider assumes, else None."""
        from pulumi_eci_cache.cloud.roles import role_chain

        try:
            chain = role_chain(self.config, self.environ, self.keys)
        except ConfigError:  # said again, to the point, by the call that needs it
            return None
        return account_of_arn(chain[-1].role_arn) if chain else None

    def region(
        self,
        region_id: str | None = None,
        role: AssumeRole | None = None,
        naming: Naming = SNAKE,
    ) -> Region:
        """The region's client, limiter and poller (the provider's region by default),
        acting as ``role`` (a cache's own, assumed with the provider's credentials) if
        given: one session per role, shared by its regions."""
        base = self.settings
        wanted = region_id or base.region_id
        role_key = role.model_dump_json() if role is not None else ""
        with self._lock:
            key = (wanted, role_key)
            if key not in self._regions:
                settings = base.in_region(wanted)
                if role is not None:
                    if role_key not in self._roles:
                        spec = cache_role(role, naming, self.environ)
                        self._roles[role_key] = with_roles([spec], base.credentials, base.sts)
                    settings = replace(settings, credentials=self._roles[role_key])
                self._regions[key] = Region(self, settings)
            return self._regions[key]

    def sleep(self, seconds: float) -> None:
        """Sleep, unless the engine cancels first (then CancelledError)."""
        if self.cancelled.wait(seconds):
            raise CancelledError()

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise CancelledError()

    def cancel(self) -> None:
        """The engine's Cancel: every wait of every region ends now."""
        self.cancelled.set()
        with self._lock:
            regions = list(self._regions.values())
        for region in regions:
            region.poller.interrupt(CancelledError())

    def close(self) -> None:
        with self._lock:
            regions, self._regions = list(self._regions.values()), {}
        for region in regions:
            region.close()
