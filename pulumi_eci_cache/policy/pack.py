"""The ``eci-cache`` policy pack: pulumi-policy's ``PolicyPack`` over rules/policies.py.

The one module that imports ``pulumi_policy`` (the ``pulumi-eci-cache[policy]`` extra).
It turns what pulumi-policy hands a policy (a type token, a name, properties behind
proxies that raise on unknown values) into rules/policies.py's ``Cache`` and reports the
sentences the rules answer. A policy pack directory's ``__main__.py`` calls ``serve()``
(``eci-cache policy-pack DIR`` writes it: policy/folder.py).

Secrets: pulumi-policy hands a validation every secret already unwrapped (its
``Analyze`` drops the engine's secret marks; only remediations see ``Secret``), so a
validation cannot tell a password that arrived as a secret from one in plain text. The
registry-password policy therefore answers "not applicable" with that reason when no
value carries a mark, and checks the marks wherever pulumi-policy keeps them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import Secret as PolicySecret
from pulumi_policy.proxy import UnknownValueError

from pulumi_eci_cache.cloud.credentials import first_of
from pulumi_eci_cache.cloud.settings import REGION_VARIABLES
from pulumi_eci_cache.engine.plugin.schema import RESOURCE, token
from pulumi_eci_cache.rules import policies
from pulumi_eci_cache.rules.policies import Cache, Rule, Secret
from pulumi_eci_cache.rules.values import UNKNOWN

__all__ = ["PACK_NAME", "build_pack_policies", "serve"]

PACK_NAME = "eci-cache"
PLUGIN_TYPE = token(RESOURCE)
_PASSWORDS = "eci-cache-registry-passwords-secret"
_NO_MARKS = (
    "pulumi-policy shows a resource validation every secret unwrapped, so it cannot tell "
    "a secret password from a plain one here"
)


def _plain(value: Any) -> Any:
    """A value behind pulumi-policy's proxies as plain data: unknowns as ``UNKNOWN``, its
    ``Secret`` marks as ours."""
    if isinstance(value, PolicySecret):
        return Secret(_plain(value.value))
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in value:
            try:
                out[key] = _plain(value[key])
            except UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, (list, tuple)):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                items.append(_plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def _has_marks(value: Any) -> bool:
    if isinstance(value, Secret):
        return True
    if isinstance(value, Mapping):
        return any(_has_marks(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_marks(v) for v in value)
    return False


def _default_region(provider_props: Any) -> str | None:
    """The region a cache gets when it names none: its provider's, else the environment's
    (the dynamic face's stack config does not reach a policy pack)."""
    props = _plain(provider_props) if provider_props is not None else {}
    region = props.get("region") if isinstance(props, Mapping) else None
    if isinstance(region, str) and region:
        return region
    return first_of(os.environ, *REGION_VARIABLES)


def _cache(resource_type: str, name: str, props: Any, provider_props: Any) -> Cache | None:
    return policies.cache_of(
        resource_type, name, _plain(props), PLUGIN_TYPE, _default_region(provider_props)
    )


def _schema(rule: Rule) -> PolicyConfigSchema | None:
    if not rule.settings:
        return None
    return PolicyConfigSchema({s.name: dict(s.schema) for s in rule.settings})


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        provider = args.provider.props if args.provider is not None else None
        cache = _cache(args.resource_type, args.name, args.props, provider)
        if cache is None:
            return
        if rule.name == _PASSWORDS and not _has_marks(dict(cache.props)):
            creds = cache.props.get("image_registry_credentials")
            if creds:
                args.not_applicable(_NO_MARKS)
            return
        for violation in rule.check(cache, policies.settings_of(rule, args.get_config())):
            report(violation.text, args.urn)

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        config_schema=_schema(rule),
    )


def _stack_policy(rule: Rule, now: Callable[[], float]) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        found = [
            (resource.urn, cache)
            for resource in args.resources
            if (
                cache := _cache(
                    resource.resource_type,
                    resource.name,
                    resource.props,
                    resource.provider.props if resource.provider is not None else None,
                )
            )
            is not None
        ]
        urns = {cache.name: urn for urn, cache in found}
        settings = policies.settings_of(rule, args.get_config())
        for violation in rule.check([cache for _, cache in found], settings, now()):
            report(violation.text, urns.get(violation.cache))

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        config_schema=_schema(rule),
    )


def build_pack_policies(
    now: Callable[[], float] = time.time,
) -> list[ResourceValidationPolicy | StackValidationPolicy]:
    """Every policy of the pack (the resource rules, then the stack rules)."""
    return [
        *(_resource_policy(rule) for rule in policies.RULES),
        *(_stack_policy(rule, now) for rule in policies.STACK_RULES),
    ]


def serve() -> None:
    """Start the pack (its process serves the engine until the engine stops it)."""
    PolicyPack(
        name=PACK_NAME,
        policies=list(build_pack_policies()),
        enforcement_level=EnforcementLevel.ADVISORY,
    )
