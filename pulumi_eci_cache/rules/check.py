"""``check``: every input of one cache validated on its own, with no API call.

``check_inputs`` is the provider's ``check``: it validates each input on its own, so
one bad input does not hide the others, lets values that are still unknown at preview
pass, and returns the normalised inputs to store (images, registry addresses and
annotations exactly as written -- canonical forms are for comparing only --, vSwitch
ids without blanks, the ``timeout`` default filled in, other defaults left out).
``spec_from_inputs`` is for create and update, where every value is known. Failures
are worded by messages.py. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from pulumi_eci_cache.errors import CheckFailureInfo, InvalidInputsError

from .messages import failure_reason, unknown_property
from .model import ADAPTERS, DEFAULT_TIMEOUT, REQUIRED_FIELDS, ImageCacheSpec
from .naming import SNAKE, Naming
from .values import contains_unknown, plain
from .wording import describe

__all__ = [
    "CheckOutcome",
    "check_inputs",
    "spec_from_inputs",
]


@dataclass
class CheckOutcome:
    """What ``check`` returns: the inputs to store and the failures (empty when valid)."""

    inputs: dict[str, Any]
    failures: list[CheckFailureInfo] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def check_inputs(news: Mapping[str, Any], naming: Naming = SNAKE) -> CheckOutcome:
    """Validate the new inputs of one ImageCache (the provider's ``check``); failures name
    inputs as ``naming`` spells them."""
    inputs: dict[str, Any] = {}
    failures: list[CheckFailureInfo] = []
    for name, value in news.items():
        if name.startswith("__") or value is None:
            continue
        if name not in ADAPTERS:
            failures.append(CheckFailureInfo(name, unknown_property(name, value, naming)))
            inputs[name] = value
            continue
        if contains_unknown(value):
            inputs[name] = value
            continue
        try:
            normalised = ADAPTERS[name].validate_python(value)
        except ValidationError as exc:
            failures.extend(
                CheckFailureInfo(naming.show(name), failure_reason(name, e, naming))
                for e in exc.errors()
            )
            inputs[name] = value
            continue
        inputs[name] = plain(ADAPTERS[name].dump_python(normalised, exclude_none=True))
    for name in REQUIRED_FIELDS:
        if news.get(name) is None:
            failures.append(
                CheckFailureInfo(
                    naming.show(name), f"{naming.show(name)} is required: {describe(name)}"
                )
            )
    inputs.setdefault("timeout", DEFAULT_TIMEOUT)
    return CheckOutcome(inputs=inputs, failures=failures)


def spec_from_inputs(inputs: Mapping[str, Any], naming: Naming = SNAKE) -> ImageCacheSpec:
    """The validated spec for create/update; ``InvalidInputsError`` (a ValueError)
    listing every failure, or naming the inputs that are still unknown."""
    outcome = check_inputs(inputs, naming)
    if outcome.failures:
        raise InvalidInputsError(outcome.failures)
    unknown = [name for name, value in outcome.inputs.items() if contains_unknown(value)]
    if unknown:
        raise InvalidInputsError(
            [
                CheckFailureInfo(naming.show(name), f"{naming.show(name)} is still unknown")
                for name in unknown
            ]
        )
    return ImageCacheSpec.model_validate(outcome.inputs)
