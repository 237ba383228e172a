"""The one lifecycle of an image cache: check, diff, create, read, update, delete.

Both engine faces call this -- the dynamic provider (provider.py) and the plugin
(engine/plugin/) -- with plain values: inputs and outputs as Python dicts under the
model's names, unknowns as ``model.UNKNOWN``, and a ``Call`` saying which resource the
call is about, where its lines go and how the user's language spells names. Each face
turns its wire into that and back; no rule or message lives in a face.

- ``check`` validates with the input model and makes no API call.
- ``diff`` is the pure rules of diff.py; its reasons are listed under the resource.
- ``create`` is crash-safe: every cache carries a tag naming its resource and who
  creates it (identity.py), so a create that dies after the service accepted it is
  adopted on the next run, never duplicated -- and only when the cache is surely its
  own (adoption.py). ``adopt_image_cache_id`` takes over an existing cache deliberately.
- A wait that ends before the cache is Ready (the engine cancelled, the ``timeout``
  ran out) keeps the cache: ``ResourceInitError`` carries its id and outputs, the face
  hands them to the engine as "initialization failed", and the next ``update`` (which
  the engine issues for such resources) waits again instead of building another.
- Expected failures carry the cache they concern (``EciCacheError.about``).
- A preview's advice (advice.py) goes on each cache's row, and the change's snapshot
  summary on the stack's (``previewed``; preview_summary.py says when); refresh adds
  the advice about caches nobody uses. None of it is stored.
- Waiting goes through the region's shared poller (one Describe round for all caches);
  while a cache builds its status is on its row, and a wait that holds every one of
  the engine's slots says so once (slots.py).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pulumi_eci_cache.cloud.client import is_not_found
from pulumi_eci_cache.cloud.waiter import SETTLED, ProgressReporter
from pulumi_eci_cache.errors import (
    AdoptionError,
    BuildFailedError,
    CacheGoneError,
    CacheNotFoundError,
    CancelledError,
    EciCacheError,
    ResourceInitError,
    WaitTimeoutError,
)
from pulumi_eci_cache.lifecycle.runtime import Region, Runtime, role_of
from pulumi_eci_cache.rules.adoption import bearing_identity, duration, plan_adoption
from pulumi_eci_cache.rules.advice import Advice, advise, unused_advice
from pulumi_eci_cache.rules.api import (
    OUTPUT_FIELDS,
    create_request,
    identity_tag_of,
    live_inputs,
    outputs_from_cache,
    update_request,
)
from pulumi_eci_cache.rules.change_summary import contribution
from pulumi_eci_cache.rules.check import CheckOutcome, check_inputs, spec_from_inputs
from pulumi_eci_cache.rules.diff import DiffPlan, plan_diff
from pulumi_eci_cache.rules.model import INPUT_FIELDS, ImageCacheSpec
from pulumi_eci_cache.rules.naming import SNAKE, Naming
from pulumi_eci_cache.rules.unseen import UNSEEN_KEY, complete, unseen, unseen_of
from pulumi_eci_cache.rules.values import UNKNOWN

__all__ = ["Call", "ImageCacheLifecycle", "Lines", "cache_label", "planned", "stack_urn"]

DEFAULT_DELETE_TIMEOUT = 3600.0
PACKAGE_LABEL = "pulumi-eci-cache"  # names the stack's lines when they are printed


class Lines(Protocol):
    """Where a call's lines go (engine/log.py: the resource's row through the engine)."""

    def status(self, label: str, state: str, detail: str = "", urn: str | None = None) -> None:
        """The status on the resource's row, replacing the last (``Creating 45%``)."""

    def note(self, label: str, message: str, urn: str | None = None) -> None:
        """A lasting line under the resource."""

    def warn(self, label: str, message: str, urn: str | None = None) -> None:
        """A lasting warning under the resource."""


def cache_label(name: str | None, cache_id: str) -> str:
    """How a line names its cache when it is printed: ``web (imc-...)``, or the id alone."""
    return f"{name} ({cache_id})" if name else cache_id


def stack_urn(urn: str) -> str:
    """The URN of the stack a resource's URN belongs to (its row heads the display)."""
    stack, project = urn.removeprefix("urn:pulumi:").split("::")[:2]
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"


@dataclass(frozen=True)
class Call:
    """One call of the engine: the resource, where its lines go, how names are spelled.

    ``identity`` names the resource among every cache of the account (identity.py);
    ``timeout`` is the engine's own timeout for the operation (the plugin's
    ``customTimeouts``), which wins over the ``timeout`` input.
    """

    urn: str | None
    log: Lines
    naming: Naming = SNAKE
    identity: str | None = None
    timeout: float | None = None

    def status(self, label: str, state: str, detail: str = "") -> None:
        self.log.status(label, state, detail, urn=self.urn)

    def note(self, label: str, message: str) -> None:
        self.log.note(label, message, urn=self.urn)

    def warn(self, label: str, message: str) -> None:
        self.log.warn(label, message, urn=self.urn)

    def on_stack(self, label: str, message: str) -> None:
        """A line on the stack's row (about the whole run, not this resource)."""
        self.log.note(label, message, urn=stack_urn(self.urn) if self.urn else None)


# What an update leaves as it was: the cache and where it is (the rest is rebuilt).
_KEPT_BY_UPDATE = (
    "image_cache_id",
    "container_group_id",
    "creation_time",
    "region_id",
    "account_id",
)


def planned(inputs: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What a create (or, with ``olds``, an in-place update) would give, for a preview:
    the inputs, and every output the service has not told yet unknown. No API call."""
    outputs = {name: UNKNOWN for name in OUTPUT_FIELDS}
    if olds is not None:
        outputs.update({name: olds[name] for name in _KEPT_BY_UPDATE if olds.get(name)})
    return {**_inputs(inputs), **outputs}


@contextlib.contextmanager
def _about(subject: str) -> Iterator[None]:
    """Expected failures inside name the cache they concern."""
    try:
        yield
    except EciCacheError as exc:
        named = exc.about(subject)
        if named is exc:
            raise
        raise named from exc.__cause__


def _inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k in INPUT_FIELDS}


class ImageCacheLifecycle:
    """The lifecycle, over one provider's runtime (regions, clock, slots, cancel)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    # -- preview ----------------------------------------------------------------------

    def check(self, news: Mapping[str, Any], call: Call) -> CheckOutcome:
        """Validate the inputs; no API call."""
        self.runtime.slots.checked(call.urn)
        self.runtime.preview.heard()
        return check_inputs(news, call.naming)

    def diff(
        self, cache_id: str, olds: Mapping[str, Any], news: Mapping[str, Any], call: Call
    ) -> DiffPlan:
        """What changes, in place or by replacement, and why (listed under the resource)."""
        self.runtime.ids_in_state.add(cache_id)
        self.runtime.preview.heard()
        plan = self._plan(olds, news, call)
        label = cache_label(news.get("image_cache_name") or None, cache_id)
        for change in plan.changes:
            call.note(label, change.reason)
        if not plan.has_changes:
            self.runtime.slots.settled(call.urn)
        elif call.urn:
            part = contribution(news, olds, replaced=bool(plan.replaces))
            self.runtime.preview.record(call.urn, part)
        return plan

    def previewed(
        self,
        news: Mapping[str, Any],
        olds: Mapping[str, Any] | None,
        call: Call,
        *,
        hold: bool = True,
    ) -> None:
        """The engine previews this cache's create (``olds`` None) or its update: the
        advice about what is new or changed goes on its row, and once the preview has
        seen every cache, the change's snapshot summary on the stack's: this call waits
        for that moment when ``hold``, else a thread of its own does (preview_summary.py).
        Nothing is stored; no API call."""
        changed: set[str] | None = None
        if olds is not None:
            plan = self._plan(olds, news, call)
            changed = None if plan.replaces else {c.name for c in plan.changes}
        label = news.get("image_cache_name") or "image cache"
        if not isinstance(label, str):
            label = "image cache"
        runtime = self.runtime
        for advice in advise(
            news,
            changed,
            silenced=runtime.config.silence_advice or (),
            provider_key=runtime.keys("silence_advice"),
            naming=call.naming,
        ):
            self._warn_once(label, advice, call)
        if olds is None and call.urn:
            part = contribution(news, None, replaced=False)
            runtime.preview.record(call.urn, part, replace=False)
        say = functools.partial(call.on_stack, PACKAGE_LABEL)
        if hold:
            runtime.preview.settle(say)
        else:
            runtime.preview.settle_later(say)

    def _warn_once(self, label: str, advice: Advice, call: Call) -> None:
        if self.runtime.first_advice(call.urn, advice.name):
            call.warn(label, advice.message)

    # -- create / update --------------------------------------------------------------

    def create(self, inputs: Mapping[str, Any], call: Call) -> tuple[str, dict[str, Any]]:
        """Build (or adopt, or take over) the cache and wait until it is Ready."""
        spec = spec_from_inputs(inputs, call.naming)
        name, timeout = spec.image_cache_name, self._timeout(spec, call)
        with self.runtime.slots.operation(call.urn):
            with _about(name):
                region = self._region(spec.region, inputs, call)
                tag, may_adopt = region.identity_tag(call.identity)
                if spec.adopt_image_cache_id:
                    cache = self._take_over(region, spec, inputs, tag, timeout, call)
                    return str(cache["ImageCacheId"]), self._outputs(region, inputs, cache)
                cache_id = self._own_orphan(region, spec, tag, timeout, call) if may_adopt else None
                if cache_id is None:
                    self.runtime.check_cancelled()
                    # A fresh ClientToken per create: the client keeps it across its
                    # retries (a lost answer never makes a second cache); across runs the
                    # identity tag finds the cache again. A token derived from the inputs
                    # would make the service replay a cache destroyed since.
                    cache_id = region.client.create_image_cache(
                        create_request(spec, tag)
                    ).image_cache_id
                    call.note(cache_label(name, cache_id), f"creating {cache_id}")
            with _about(f"{name} ({cache_id})"):
                try:
                    cache = self._wait_ready(region, cache_id, inputs, timeout, call, "create")
                except BuildFailedError:
                    self._delete_and_wait(region, cache_id, timeout, call, name)
                    raise
        return cache_id, self._outputs(region, inputs, cache)

    def update(
        self,
        cache_id: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        call: Call,
    ) -> dict[str, Any]:
        """Change the cache in place and wait until it is Ready again; with nothing to
        change, finish the wait an earlier run could not (a cache still building)."""
        plan = self._plan(olds, news, call)
        spec = spec_from_inputs(news, call.naming)
        name, timeout = spec.image_cache_name, self._timeout(spec, call)
        region = self._region(olds.get("region_id") or spec.region, olds, call)
        with self.runtime.slots.operation(call.urn), _about(f"{name} ({cache_id})"):
            current: Mapping[str, Any] | None = region.look(cache_id)
            settled = current is None or current.get("Status") in SETTLED
            if not plan.api_changes:
                if not settled:
                    current = self._wait_ready(region, cache_id, news, timeout, call, "update")
                return self._outputs(region, news, current)
            # UpdateImageCache is refused while the cache is still building: wait first.
            if not settled or (current is not None and current.get("Status") == "Failed"):
                current = self._wait_ready(region, cache_id, news, timeout, call, "update")
            tag = identity_tag_of(current) or region.identity_tag(call.identity)[0]
            region.client.update_image_cache(cache_id, update_request(spec, tag))
            call.status(cache_label(name, cache_id), "Updating")
            cache = self._wait_ready(region, cache_id, news, timeout, call, "update")
        return self._outputs(region, news, cache)

    # -- refresh / import / delete ----------------------------------------------------

    def read(
        self, cache_id: str, props: Mapping[str, Any], call: Call
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The cache as it is now: (outputs, inputs), or None when it is gone.

        With no stored state (``pulumi import``), a missing cache is an error naming the
        id and the region; on refresh it means the cache is gone (expired, evicted or
        deleted elsewhere), and the engine drops it.
        """
        self.runtime.ids_in_state.add(cache_id)
        region = self._region(props.get("region_id") or props.get("region"), props, call)
        label = cache_label(props.get("image_cache_name") or "image cache", cache_id)
        elsewhere = self._elsewhere(region, props)
        if elsewhere is not None:
            call.warn(
                label,
                f"not read: the cache is in account {elsewhere} and the provider now acts in "
                f"account {region.acting_account()}; it stays in the state as it was",
            )
            return dict(props), _inputs(props)
        with _about(label):
            cache = region.look(cache_id)
            stored = any(value is not None for value in _inputs(props).values())
            if cache is None and not stored:
                raise CacheNotFoundError(
                    f"no image cache {cache_id} in region {region.region_id} (at "
                    f"{region.settings.endpoint}): check the id, and the provider's region "
                    f"({call.naming.show('region')} or {self.runtime.keys('region')})"
                )
        if cache is None:
            return None
        if stored:
            self._advise_unused(label, {**props, **outputs_from_cache(cache)}, call)
        inputs = live_inputs(cache, _inputs(props))
        account = props.get("account_id") or region.acting_account()
        outputs = {**props, **inputs, **outputs_from_cache(cache), "account_id": account}
        # What an import cannot see is taken from the program (rules/unseen.py); a
        # refresh keeps listing what the state still has no value for.
        left = unseen_of(outputs) if stored else unseen(inputs)
        outputs.pop(UNSEEN_KEY, None)
        if left:
            outputs[UNSEEN_KEY] = left
        return outputs, inputs

    def delete(self, cache_id: str, props: Mapping[str, Any], call: Call) -> None:
        """Delete the cache and wait until it is gone (already gone is fine)."""
        timeout = DEFAULT_DELETE_TIMEOUT
        with contextlib.suppress(ValueError, EciCacheError):
            timeout = float(spec_from_inputs(_inputs(props), call.naming).timeout_seconds)
        timeout = call.timeout or timeout
        name = props.get("image_cache_name")
        region = self._region(props.get("region_id") or props.get("region"), props, call)
        elsewhere = self._elsewhere(region, props)
        if elsewhere is not None:
            call.warn(
                cache_label(name, cache_id),
                f"left in account {elsewhere}, not deleted: the provider now acts in account "
                f"{region.acting_account()}; delete {cache_id} in account {elsewhere} "
                "if it is no longer used",
            )
            return
        with self.runtime.slots.operation(call.urn), _about(cache_label(name, cache_id)):
            self._delete_and_wait(region, cache_id, timeout, call, name)

    # -- helpers ----------------------------------------------------------------------

    def _advise_unused(self, label: str, props: Mapping[str, Any], call: Call) -> None:
        """At refresh: a cache without retention that no instance has used for long."""
        runtime = self.runtime
        advice = unused_advice(
            props,
            runtime.service_clock.now(),
            silenced=runtime.config.silence_advice or (),
            provider_key=runtime.keys("silence_advice"),
            naming=call.naming,
        )
        if advice is not None:
            self._warn_once(label, advice, call)

    @staticmethod
    def _timeout(spec: ImageCacheSpec, call: Call) -> float:
        return call.timeout or float(spec.timeout_seconds)

    def _region(self, region_id: str | None, props: Mapping[str, Any], call: Call) -> Region:
        """The region's client and poller, acting as the cache's own role if it has one."""
        return self.runtime.region(region_id, role_of(props), call.naming)

    def _plan(self, olds: Mapping[str, Any], news: Mapping[str, Any], call: Call) -> DiffPlan:
        """The diff; a provider now acting in another account is a move (diff.moved),
        unless the cache names its own role (a change of that replaces it anyway)."""
        own_role = olds.get("assume_role") or news.get("assume_role")
        account = None if own_role else self.runtime.configured_account
        olds = complete(olds, news)  # what an import could not see: the program's
        return plan_diff(olds, news, call.naming, self.runtime.default_region, account)

    @staticmethod
    def _outputs(
        region: Region, inputs: Mapping[str, Any], cache: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        outputs = {**inputs, **(outputs_from_cache(cache) if cache else {})}
        return {**outputs, "account_id": region.acting_account()}

    @staticmethod
    def _elsewhere(region: Region, props: Mapping[str, Any]) -> str | None:
        """The account a cache of the state is in, when the provider now acts in another
        (then nothing is done to it: it is not ours to touch from here)."""
        stored = props.get("account_id")
        acting = region.acting_account() if stored else None
        return str(stored) if stored and acting and stored != acting else None

    def _own_orphan(
        self,
        region: Region,
        spec: ImageCacheSpec,
        tag: str | None,
        timeout: float,
        call: Call,
    ) -> str | None:
        """The cache a crashed earlier run of this very resource created, if surely ours."""
        if tag is None:
            return None
        # One shared round answers the lookups of every create running at this moment.
        snapshot = region.recent_caches()
        name = spec.image_cache_name
        plan = plan_adoption(
            bearing_identity(snapshot, tag),
            name=name,
            images=spec.images,
            timeout=timeout,
            now=self.runtime.service_clock.now(),
            seen_ids=self.runtime.ids_in_state,
            naming=call.naming,
        )
        for failed in plan.delete:
            label = cache_label(name, failed)
            call.note(label, f"deleting {failed}, the failed cache an interrupted run made")
            self._delete_and_wait(region, failed, timeout, call)
        if plan.refusal is not None:
            raise AdoptionError(plan.refusal)
        if plan.adopt is not None:
            label = cache_label(name, plan.adopt)
            call.note(label, f"adopting {plan.adopt}, the cache an interrupted run created")
        return plan.adopt

    def _take_over(
        self,
        region: Region,
        spec: ImageCacheSpec,
        inputs: Mapping[str, Any],
        tag: str | None,
        timeout: float,
        call: Call,
    ) -> Mapping[str, Any]:
        """``adopt_image_cache_id``: an existing cache becomes this resource's, brought to
        the spec where Describe shows it differs (write-only fields are taken as given)."""
        name, cache_id = spec.image_cache_name, str(spec.adopt_image_cache_id)
        field = call.naming.show("adopt_image_cache_id")
        cache: Mapping[str, Any] | None = region.look(cache_id)
        if cache is None:
            raise AdoptionError(
                f'{field} "{cache_id}": no such image cache in region {region.region_id} '
                f"(expired, evicted or deleted?); remove {field} to create a new cache, "
                "or name an existing one"
            )
        label = cache_label(name, cache_id)
        call.note(label, f"taking over {cache_id} ({field})")
        if cache.get("Status") == "Failed":
            raise AdoptionError(
                f'{field} "{cache_id}": the cache is Failed and cannot be used; delete it '
                f"and remove {field} to build a new one"
            )
        if cache.get("Status") not in ("Ready", "UpdateFailed"):
            cache = self._wait_ready(region, cache_id, inputs, timeout, call, "create")
        drift = plan_diff(live_inputs(cache, inputs), inputs)
        if not drift.api_changes and cache.get("Status") == "Ready":
            return cache
        region.client.update_image_cache(
            cache_id, update_request(spec, identity_tag_of(cache) or tag)
        )
        call.status(label, "Updating", "to this resource's spec")
        return self._wait_ready(region, cache_id, inputs, timeout, call, "create")

    def _wait_ready(
        self,
        region: Region,
        cache_id: str,
        inputs: Mapping[str, Any],
        timeout: float,
        call: Call,
        operation: str,
    ) -> Mapping[str, Any]:
        """The cache once Ready. A wait that ends first (cancel, timeout) keeps the cache
        in the state: ``ResourceInitError`` with the outputs of the last look."""
        name = str(inputs.get("image_cache_name") or "") or None
        label = cache_label(name, cache_id)
        reporter = ProgressReporter(label, call.status, call.warn)
        last: dict[str, Any] = {"ImageCacheId": cache_id}

        def on_poll(cache: Mapping[str, Any]) -> None:
            last.update(cache)
            reporter.report(cache)
            line = self.runtime.slots.line()
            if line is not None:
                call.on_stack("pulumi-eci-cache", line)

        try:
            return region.waiter(cache_id, timeout, on_poll).until_ready(cache_id)
        except (BuildFailedError, CacheGoneError, ResourceInitError):
            raise  # the build failed (cleaned up by create), or there is nothing to keep
        except Exception as exc:  # whatever ended the wait, the accepted cache is kept
            where = " ".join(str(last.get(k) or "") for k in ("Status", "Progress")).strip()
            where = f" while {where}" if where else ""
            reason = self._wait_ended(exc, where, timeout, call, operation)
            outputs = self._outputs(region, inputs, last)
            raise ResourceInitError(cache_id, outputs, reason) from exc

    def _wait_ended(
        self, exc: Exception, where: str, timeout: float, call: Call, operation: str
    ) -> str:
        """Why a wait for an accepted cache ended, and that the cache is kept: the engine
        records it (initialization failed), and the next ``pulumi up`` waits for it."""
        kept = (
            "the cache is kept in the state, and the next `pulumi up` waits for it instead "
            "of building another"
        )
        if isinstance(exc, CancelledError):
            return f"interrupted{where}: {kept}"
        if isinstance(exc, WaitTimeoutError):
            return self._past_deadline(timeout, where, call, operation)
        cause = str(exc).rstrip(".") if isinstance(exc, EciCacheError) else repr(exc)
        return f"the wait{where} ended: {cause}; {kept}"

    @staticmethod
    def _past_deadline(timeout: float, where: str, call: Call, operation: str) -> str:
        """What a wait past its deadline says: the setting that set it, and the way out.

        The next ``pulumi up`` updates the kept cache, and an update waits as long as the
        engine's ``customTimeouts`` update says (it wins), else the ``timeout`` input. So
        after the input ran out, raising it is the way; after customTimeouts' update ran
        out, raising that; after customTimeouts' create, the next update waits anew.
        """
        field = call.naming.show("timeout")
        if not call.timeout:
            return (
                f"not Ready after {duration(timeout)}{where}: the cache is kept in the state; "
                f"raise the resource's {field} and run `pulumi up` again to keep waiting for it"
            )
        ran_out = f"not Ready after {duration(timeout)} (customTimeouts {operation}){where}"
        if operation == "update":
            return (
                f"{ran_out}: the cache is kept in the state; raise the update of the "
                "resource's customTimeouts and run `pulumi up` again to keep waiting for it"
            )
        return (
            f"{ran_out}: the cache is kept in the state; run `pulumi up` again to keep "
            "waiting for it, as long as the update of the resource's customTimeouts allows "
            f"(else its {field})"
        )

    def _delete_and_wait(
        self,
        region: Region,
        cache_id: str,
        timeout: float,
        call: Call,
        name: str | None = None,
    ) -> None:
        call.status(cache_label(name, cache_id), "Deleting")
        try:
            region.client.delete_image_cache(cache_id)
        except EciCacheError as exc:
            if not is_not_found(exc):
                raise
        try:
            region.waiter(cache_id, timeout).until_gone(cache_id)
        except CancelledError as exc:
            raise CancelledError(
                "interrupted while Deleting: the cache stays in the state; run the "
                "destroy (or update) again to finish deleting it"
            ) from exc
