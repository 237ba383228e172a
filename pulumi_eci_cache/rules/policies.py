"""The governance rules of the policy pack (``pulumi-eci-cache[policy]``), without it.

A policy pack sees every resource of a stack as its type token and its properties. This
module says which of them are image caches (either face), reads their properties in the
model's names, and checks them against each rule's settings. The pack itself
(policy/pack.py) only hands these functions what pulumi-policy gives it and reports the
sentences they answer, each naming the cache, the rule and the value:

    cache web: retention: retentionDays 90 (allowed: 1 to 30 days)

The caches of the two faces are told apart by their own marks, never by guesswork: the
plugin's type token (``ecicache:index:ImageCache``), and for the Python face's dynamic
resources the ``MARKER_KEY`` input that program/resource.py sets (the engine hides the
``__identity`` and ``__provider`` keys from policy packs). Their property names are
spelled by the face's naming (rules/naming.py) from the model's fields.

Pure: no I/O, no pulumi_policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .api import DAY, OUTPUT_FIELDS
from .declaration import api_of
from .identity import MARKER_KEY, MARKER_VALUE
from .model import INPUT_FIELDS, NESTED_MODELS, ImageCacheSpec
from .naming import CAMEL, SNAKE, Naming
from .values import as_written, is_empty, is_unknown, timestamp

__all__ = [
    "DYNAMIC_TYPE_PREFIX",
    "RULES",
    "STACK_RULES",
    "Cache",
    "Rule",
    "Secret",
    "Setting",
    "Violation",
    "cache_of",
    "default_config",
    "settings_of",
]

# Every dynamic resource of the Python SDK has a type token under this prefix.
DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic"


@dataclass(frozen=True)
class Secret:
    """A value that arrived as a secret (the pack wraps what pulumi-policy marks so)."""

    value: Any


@dataclass(frozen=True)
class Cache:
    """One image cache as a policy sees it: its resource name, how its face spells
    names, its properties in the model's (snake_case) names, and its region when known."""

    name: str
    naming: Naming
    props: Mapping[str, Any]
    region: str | None = None

    def show(self, field_name: str) -> str:
        return self.naming.show(field_name)


@dataclass(frozen=True)
class Violation:
    """One broken rule: the cache's resource name and the sentence that says it."""

    cache: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Setting:
    """One setting of a rule, as its config file names it, with its JSON schema."""

    name: str
    schema: Mapping[str, Any]

    @property
    def default(self) -> Any:
        return self.schema["default"]


@dataclass(frozen=True)
class Rule:
    """A policy: its name, what it asks, its settings, and its check: of one cache
    (``check(cache, settings)``), or of every cache of the stack at once
    (``check(caches, settings, now)``, ``now`` in seconds since the epoch)."""

    name: str
    description: str
    check: Callable[..., list[Violation]]
    settings: tuple[Setting, ...] = field(default=())


def _nested(name: str, props: Mapping[str, Any], naming: Naming) -> dict[str, Any]:
    """One value of the nested model of input ``name`` (a face's spelling) in the model's
    names."""
    out: dict[str, Any] = {}
    nested = NESTED_MODELS.get(name)
    for key in nested.model_fields if nested else ():
        if naming.show(key) in props:
            out[key] = props[naming.show(key)]
    return out


def _model_props(props: Mapping[str, Any], naming: Naming) -> dict[str, Any]:
    """The inputs and outputs a face spells with ``naming``, in the model's names (numbers
    as written); anything else the resource carries is left out."""
    out: dict[str, Any] = {}
    for name in (*INPUT_FIELDS, *OUTPUT_FIELDS):
        spelled = naming.show(name)
        if spelled not in props:
            continue
        value = props[spelled]
        if name in NESTED_MODELS and isinstance(value, Mapping):
            value = _nested(name, value, naming)
        elif name in NESTED_MODELS and isinstance(value, list):
            value = [_nested(name, v, naming) if isinstance(v, Mapping) else v for v in value]
        out[name] = as_written(value)
    return out


def cache_of(
    resource_type: str,
    name: str,
    props: Mapping[str, Any],
    plugin_type: str,
    default_region: str | None = None,
) -> Cache | None:
    """The cache a resource is (None for any other resource): the plugin's type token, or
    a dynamic resource bearing our marker. Its region: its own ``region`` input, else
    ``default_region`` (its provider's)."""
    if resource_type == plugin_type:
        naming = CAMEL
    elif resource_type.startswith(DYNAMIC_TYPE_PREFIX) and props.get(MARKER_KEY) == MARKER_VALUE:
        naming = SNAKE
    else:
        return None
    model = _model_props(props, naming)
    region = model.get("region")
    if is_empty(region) or is_unknown(region):
        region = default_region
    return Cache(name, naming, model, region if isinstance(region, str) else None)


def _allowed(cache: Cache, rule: str, what: str, value: Any, allowed: str) -> Violation:
    return Violation(cache.name, f"cache {cache.name}: {rule}: {what} {value} (allowed: {allowed})")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _days(n: int) -> str:
    return _plural(n, "day")


def check_retention(cache: Cache, config: Mapping[str, Any]) -> list[Violation]:
    limit = int(config["maxRetentionDays"])
    days = cache.props.get("retention_days")
    allowed = f"1 to {_days(limit)}"
    if is_unknown(days):
        return []
    if is_empty(days):
        return [_allowed(cache, "retention", cache.show("retention_days"), "not set", allowed)]
    if isinstance(days, (int, float)) and days > limit:
        return [_allowed(cache, "retention", cache.show("retention_days"), days, allowed)]
    return []


# The service's size when none is asked for (the model's declaration).
_DEFAULT_SIZE = api_of(ImageCacheSpec.model_fields["image_cache_size"]).default


def check_size(cache: Cache, config: Mapping[str, Any]) -> list[Violation]:
    limit = int(config["maxSizeGiB"])
    size = cache.props.get("image_cache_size")
    if is_unknown(size):
        return []
    value = _DEFAULT_SIZE if is_empty(size) else size
    shown = f"{value} GiB (the default)" if is_empty(size) else f"{value} GiB"
    if isinstance(value, (int, float)) and value > limit:
        return [_allowed(cache, "size", cache.show("image_cache_size"), shown, f"{limit} GiB")]
    return []


def check_flash(cache: Cache, config: Mapping[str, Any]) -> list[Violation]:
    if config["allowFlash"] or cache.props.get("flash") is not True:
        return []
    return [_allowed(cache, "flash", cache.show("flash"), "true", "false")]


def check_region(cache: Cache, config: Mapping[str, Any]) -> list[Violation]:
    regions = list(config["allowedRegions"])
    if not regions or cache.region is None or cache.region in regions:
        return []
    return [_allowed(cache, "region", "region", cache.region, ", ".join(regions))]


def check_tags(cache: Cache, config: Mapping[str, Any]) -> list[Violation]:
    required = list(config["requiredTags"])
    tags = cache.props.get("tags")
    if is_unknown(tags):
        return []
    have = tags if isinstance(tags, Mapping) else {}
    missing = [key for key in required if key not in have]
    if not missing:
        return []
    text = (
        f"cache {cache.name}: required tags: {cache.show('tags')} lack "
        f"{', '.join(missing)} (required: {', '.join(required)})"
    )
    return [Violation(cache.name, text)]


def check_passwords(cache: Cache, _config: Mapping[str, Any]) -> list[Violation]:
    """Every registry password must arrive as a secret (``Secret``), at any level: the
    whole list, one entry, or the password itself."""
    found: list[Violation] = []
    creds = cache.props.get("image_registry_credentials")
    if isinstance(creds, Secret) or not isinstance(creds, Sequence):
        return found
    for index, entry in enumerate(creds):
        if isinstance(entry, Secret) or not isinstance(entry, Mapping):
            continue
        password = entry.get("password")
        if password is None or is_unknown(password) or isinstance(password, Secret):
            continue
        where = cache.naming.path("image_registry_credentials", [index, "password"])
        found.append(_allowed(cache, "registry passwords", where, "in plain text", "secrets"))
    return found


def check_count(caches: Sequence[Cache], config: Mapping[str, Any], _now: float) -> list[Violation]:
    """The caches beyond the limit, each named (in the stack's order)."""
    limit = int(config["maxCaches"])
    total = len(caches)
    return [
        _allowed(
            cache, "caches per stack", "the stack's", _plural(total, "cache"), f"at most {limit}"
        )
        for cache in caches[limit:]
    ]


def check_unused(caches: Sequence[Cache], config: Mapping[str, Any], now: float) -> list[Violation]:
    """Caches not matched (by a pod) for longer than the limit: since their last match,
    else since their creation."""
    limit = int(config["maxUnusedDays"])
    found = []
    for cache in caches:
        matched = timestamp(cache.props.get("last_matched_time"))
        since = matched if matched is not None else timestamp(cache.props.get("creation_time"))
        if since is None:
            continue
        days = int((now - since) // DAY)
        if days > limit:
            what = "last matched" if matched is not None else "never matched since creation"
            value = f"{_days(days)} ({what})"
            found.append(_allowed(cache, "unused", "unused for", value, f"at most {_days(limit)}"))
    return found


def _number(default: int, minimum: int, description: str) -> Mapping[str, Any]:
    return {"type": "integer", "minimum": minimum, "default": default, "description": description}


def _strings(description: str) -> Mapping[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "default": [], "description": description}


RULES: tuple[Rule, ...] = (
    Rule(
        "eci-cache-retention",
        "Image caches have a retention, of at most maxRetentionDays days.",
        check_retention,
        (Setting("maxRetentionDays", _number(30, 1, "the longest retention allowed")),),
    ),
    Rule(
        "eci-cache-size",
        "Image caches are at most maxSizeGiB GiB.",
        check_size,
        (Setting("maxSizeGiB", _number(100, 20, "the largest cache allowed, in GiB")),),
    ),
    Rule(
        "eci-cache-flash",
        "Image caches build a flash (instant) snapshot only when allowFlash is true.",
        check_flash,
        (
            Setting(
                "allowFlash",
                {"type": "boolean", "default": False, "description": "whether flash is allowed"},
            ),
        ),
    ),
    Rule(
        "eci-cache-regions",
        "Image caches are built in one of allowedRegions (empty: any region).",
        check_region,
        (Setting("allowedRegions", _strings("the regions allowed; empty: any")),),
    ),
    Rule(
        "eci-cache-required-tags",
        "Image caches carry every tag key of requiredTags.",
        check_tags,
        (Setting("requiredTags", _strings("the tag keys every cache must carry")),),
    ),
    Rule(
        "eci-cache-registry-passwords-secret",
        "Registry passwords arrive as secrets only, never in plain text.",
        check_passwords,
    ),
)
STACK_RULES: tuple[Rule, ...] = (
    Rule(
        "eci-cache-count",
        "A stack has at most maxCaches image caches.",
        check_count,
        (Setting("maxCaches", _number(50, 0, "the most caches one stack may have")),),
    ),
    Rule(
        "eci-cache-unused",
        "Image caches are not left unused (not matched by a pod) for more than maxUnusedDays.",
        check_unused,
        (Setting("maxUnusedDays", _number(30, 1, "the longest a cache may go unused")),),
    ),
)


def settings_of(rule: Rule, config: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's settings: the config's values over the defaults."""
    return {s.name: config.get(s.name, s.default) for s in rule.settings}


def default_config() -> dict[str, dict[str, Any]]:
    """Every policy's config as ``--policy-pack-config`` reads it, with the defaults."""
    return {
        rule.name: {"enforcementLevel": "advisory", **{s.name: s.default for s in rule.settings}}
        for rule in (*RULES, *STACK_RULES)
    }
