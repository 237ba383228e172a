"""The wire grammar of the STS actions the emulator answers (API version 2015-04-01).

STS shares the port and the RPC style with ECI; a request is STS's when its
``Version`` (V3: ``x-acs-version``) is ``2015-04-01``. This module turns one action's
flat parameters into a dict of checked values (``DurationSeconds`` an int) or raises
what STS answers: ``MissingParameter.<Name>`` for a required one absent or empty,
``InvalidParameter.<Name>`` for a malformed one (``InvalidParameter.PolicyGrammar``
for a Policy that is not a JSON object), ``InvalidParameter.Unsupported`` for a name
the action does not define (stricter than the service, as params.py is). Empty
optional parameters count as absent. Whether a role or provider exists, and the
role's own session limit, are the backend's (iam.py). Pure: no I/O, no backend.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from .exceptions import InvalidParameter
from .iam import (
    MAX_SESSION_SECONDS,
    MIN_SESSION_SECONDS,
    OIDC_PROVIDER_ARN,
    ROLE_ARN,
    SESSION_NAME,
)
from .params import COMMON_PARAMS, missing_parameter

__all__ = ["STS_ACTIONS", "STS_API_VERSION", "UNSIGNED_ACTIONS", "parse_sts_params"]

STS_API_VERSION = "2015-04-01"

# action -> (required names, optional names)
STS_ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AssumeRole": (("RoleArn", "RoleSessionName"), ("DurationSeconds", "Policy", "ExternalId")),
    "AssumeRoleWithOIDC": (
        ("OIDCProviderArn", "RoleArn", "OIDCToken"),
        ("RoleSessionName", "DurationSeconds", "Policy"),
    ),
    "GetCallerIdentity": ((), ()),
}
# Called without a signature: the OIDC token is the credential.
UNSIGNED_ACTIONS = frozenset({"AssumeRoleWithOIDC"})

_EXTERNAL_ID = re.compile(r"[A-Za-z0-9=,.@:/_-]{2,1224}")


def _matching(pattern: re.Pattern[str], shape: str) -> Callable[[str, str], str]:
    def check(name: str, value: str) -> str:
        if not pattern.fullmatch(value):
            raise InvalidParameter(
                f"The parameter {name} is wrongly formed: {value!r} (expected {shape}).", name
            )
        return value

    return check


def _duration(name: str, value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,12}", value) or not (
        MIN_SESSION_SECONDS <= int(value) <= MAX_SESSION_SECONDS
    ):
        raise InvalidParameter(
            f"The Min/Max value of {name} is {MIN_SESSION_SECONDS}/{MAX_SESSION_SECONDS} "
            f"seconds; got {value!r}.",
            name,
        )
    return int(value)


def _policy(name: str, value: str) -> str:
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise InvalidParameter(
            f"The parameter {name} has not passed grammar check: it is not a JSON object.",
            "PolicyGrammar",
        )
    return value


def _token(name: str, value: str) -> str:
    return value  # its shape and claims are the backend's to judge (AuthenticationFail)


_CHECKS: dict[str, Callable[[str, str], Any]] = {
    "RoleArn": _matching(ROLE_ARN, "acs:ram::<16-digit account>:role/<name>"),
    "OIDCProviderArn": _matching(
        OIDC_PROVIDER_ARN, "acs:ram::<16-digit account>:oidc-provider/<name>"
    ),
    "RoleSessionName": _matching(SESSION_NAME, "2-64 of A-Z a-z 0-9 _ . @ -"),
    "DurationSeconds": _duration,
    "Policy": _policy,
    "ExternalId": _matching(_EXTERNAL_ID, "2-1224 of A-Z a-z 0-9 = , . @ : / _ -"),
    "OIDCToken": _token,
}


def parse_sts_params(action: str, params: Mapping[str, str]) -> dict[str, Any]:
    """The action's own parameters, checked; raises on any wire-level mistake."""
    required, optional = STS_ACTIONS[action]
    for name in params:
        if name not in COMMON_PARAMS and name not in required + optional:
            raise InvalidParameter(f"{name} is not a parameter of {action}.", "Unsupported")
    for name in required:
        if not params.get(name):
            raise missing_parameter(name)
    return {
        name: _CHECKS[name](name, params[name]) for name in required + optional if params.get(name)
    }
