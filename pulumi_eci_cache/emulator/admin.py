"""The emulator's admin API under ``/_emulator/``: the backend's switches over HTTP.

A served emulator runs in another process (or under the pulumi CLI), so the Python
methods tests use in-process (``reset``, ``set_unpullable_images``, ``faults``,
``advance_clock``, ``add_account``, ``add_role`` ...) are also offered as small JSON
endpoints. The respx mock mounts them too, so one test can drive either mode the
same way. Answers carry the backend's ``Date``, as RPC answers do.

    GET  /_emulator/caches      {"ImageCaches": [cache in API shape plus the stored
                                 fields Describe leaves out (Annotations) and its
                                 "AccountId", all accounts and regions]}
    POST /_emulator/reset       {}                               -> {}
    GET|POST /_emulator/config  {"build_seconds", "hold_builds", "failed_ttl_seconds",
                                 "quota", "default_region", "token_lifetime_seconds":
                                 seconds | null (null: a temporary key lasts its
                                 DurationSeconds), "access_keys": {id: {"secret",
                                 "security_token", "account_id", "user"}}}
    GET|POST /_emulator/faults  {"throttle": {"qps", "burst"} | null, "invisible_polls": N,
                                 "force": [{"action", "kind": "error"|"drop",
                                 "after_success", "code", "http_status", "message",
                                 "count", "skip"}], "clear": bool}  -> the faults now set
    POST /_emulator/unpullable  {"images": [image...] | {image: cause}}
    POST /_emulator/clock       {"advance": seconds}             -> {"now", "time"}
    POST /_emulator/builds/finish {}  -> {"ImageCacheIds": [...]}  every running build,
                                 held or not, ends now; the clock does not move
                                 (with "hold_builds": true builds started from then on
                                 never end by themselves)
    POST /_emulator/evict       {"ImageCacheId": id}             (LRU caches only)
    GET  /_emulator/calls       {"calls": {action: count}, "log": [{"Product": "ECI"|"STS",
                                 "Action", "AccessKeyId" (null: unsigned), "AccountId",
                                 "Principal" (the signer's ARN; null: not authenticated),
                                 "RegionId", "Code" ("" for a 200, "Dropped")}...] (the
                                 last 200000, oldest first), "by_principal":
                                 {principal ARN: {action: count}}}
    POST /_emulator/accounts    {"accounts": [{"id": "2222000000000000", "access_keys":
                                 [{"id", "secret", "user": name | null (root)}]}]}
    POST /_emulator/roles       {"roles": [{"arn": "acs:ram::<acct>:role/<name>", "trust":
                                 {"accounts": [...], "principals": [ARN...],
                                 "oidc_providers": [ARN...]}, "max_session_seconds":
                                 3600, "external_id": null}]}
    POST /_emulator/oidc-providers {"providers": [{"arn": "acs:ram::<acct>:oidc-provider/
                                 <name>", "issuer": "https://...", "client_ids": [...]}]}
        (these three answer GET /_emulator/iam's view)
    POST /_emulator/oidc-token  {"provider": ARN, "subject", "lifetime_seconds",
                                 "audience": optional} -> {"token": JWT} (exp on the
                                 emulator's clock)
    GET  /_emulator/iam         {"default_account_id", "accounts": [{"id", "access_keys":
                                 [{"id", "user"}], "temporary_keys": [{"id", "role",
                                 "session", "principal", "expiration"}]}], "roles":
                                 [{"arn", "trust", "max_session_seconds", "external_id",
                                 "role_id"}], "providers": [{"arn", "issuer",
                                 "client_ids"}], "token_lifetime_seconds"}: no secret
                                 and no token, ever
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .models import EciBackend, iso_time
from .responses import EmulatorResponse, dated, json_response

__all__ = ["ADMIN_PREFIX", "handle_admin"]

ADMIN_PREFIX = "/_emulator/"

Route = Callable[[EciBackend, dict[str, Any]], dict[str, Any]]

_CONFIG_KEYS = ("build_seconds", "hold_builds", "failed_ttl_seconds", "quota", "default_region")


def _caches(backend: EciBackend, _: dict[str, Any]) -> dict[str, Any]:
    return {
        "ImageCaches": [{**c.to_admin(), "AccountId": c.account_id} for c in backend.all_caches()]
    }


def _reset(backend: EciBackend, _: dict[str, Any]) -> dict[str, Any]:
    backend.reset()
    return {}


def _config(backend: EciBackend, body: dict[str, Any]) -> dict[str, Any]:
    for key in _CONFIG_KEYS:
        if key in body:
            kind = type(getattr(backend, key))
            if kind is bool and not isinstance(body[key], bool):  # bool("false") is True
                raise TypeError(f"{key} must be true or false, not {body[key]!r}")
            setattr(backend, key, kind(body[key]))
    if "token_lifetime_seconds" in body:
        seconds = body["token_lifetime_seconds"]
        if seconds is not None and (isinstance(seconds, bool) or float(seconds) <= 0):
            raise ValueError(f"token_lifetime_seconds must be positive or null, not {seconds!r}")
        backend.token_lifetime_seconds = seconds
    for key_id, key in body.get("access_keys", {}).items():
        backend.add_access_key(
            key_id, key["secret"], key.get("security_token"), key.get("account_id"), key.get("user")
        )
    return {
        **{key: getattr(backend, key) for key in _CONFIG_KEYS},
        "token_lifetime_seconds": backend.token_lifetime_seconds,
    }


def _faults(backend: EciBackend, body: dict[str, Any]) -> dict[str, Any]:
    backend.faults.configure(body)
    return backend.faults.to_json()


def _unpullable(backend: EciBackend, body: dict[str, Any]) -> dict[str, Any]:
    backend.set_unpullable_images(body.get("images", []))
    return {"images": backend.unpullable}


def _clock(backend: EciBackend, body: dict[str, Any]) -> dict[str, Any]:
    backend.advance_clock(float(body.get("advance", 0)))
    now = backend.now()
    return {"now": now, "time": iso_time(now)}


def _finish_builds(backend: EciBackend, _: dict[str, Any]) -> dict[str, Any]:
    return {"ImageCacheIds": backend.finish_builds()}


def _evict(backend: EciBackend, body: dict[str, Any]) -> dict[str, Any]:
    backend.evict(str(body["ImageCacheId"]))
    return {}


def _calls(backend: EciBackend, _: dict[str, Any]) -> dict[str, Any]:
    return {
        "calls": dict(backend.call_counts),
        "log": list(backend.call_log),
        "by_principal": {p: dict(c) for p, c in backend.calls_by_principal.items()},
    }


def _iam(backend: EciBackend, _: dict[str, Any]) -> dict[str, Any]:
    return backend.iam.to_json()


def _configure_iam(part: str) -> Route:
    """A route applying one part (``accounts``, ``roles``, ``providers``) of the IAM
    configuration (required in the body), answering the IAM view."""

    def route(backend: EciBackend, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body[part], list):
            raise TypeError(f"{part} must be a list")
        backend.iam.configure({part: body[part]})
        return backend.iam.to_json()

    return route


def _oidc_token(backend: EciBackend, body: dict[str, Any]) -> dict[str, Any]:
    token = backend.oidc_token(
        str(body["provider"]),
        str(body["subject"]),
        float(body["lifetime_seconds"]),
        body.get("audience"),
    )
    return {"token": token}


_ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "caches"): _caches,
    ("POST", "reset"): _reset,
    ("GET", "config"): _config,
    ("POST", "config"): _config,
    ("GET", "faults"): _faults,
    ("POST", "faults"): _faults,
    ("POST", "unpullable"): _unpullable,
    ("POST", "clock"): _clock,
    ("POST", "builds/finish"): _finish_builds,
    ("POST", "evict"): _evict,
    ("GET", "calls"): _calls,
    ("GET", "iam"): _iam,
    ("POST", "accounts"): _configure_iam("accounts"),
    ("POST", "roles"): _configure_iam("roles"),
    ("POST", "oidc-providers"): _configure_iam("providers"),
    ("POST", "oidc-token"): _oidc_token,
}


def handle_admin(backend: EciBackend, method: str, path: str, body: bytes) -> EmulatorResponse:
    """Answer one admin request, dated by the backend's clock; 404 for an unknown route,
    400 for a bad body."""
    return dated(_answer(backend, method, path, body), backend.now())


def _answer(backend: EciBackend, method: str, path: str, body: bytes) -> EmulatorResponse:
    route = _ROUTES.get((method.upper(), path.removeprefix(ADMIN_PREFIX).strip("/")))
    if route is None:
        return json_response(404, {"error": f"no admin endpoint {method} {path}"})
    try:
        payload = json.loads(body or b"{}")
        if not isinstance(payload, dict):
            raise TypeError("the body must be a JSON object")
        with backend.lock:
            result = route(backend, payload)
            backend.mutations += method.upper() == "POST"
    except (ValueError, TypeError, KeyError) as exc:
        return json_response(400, {"error": f"{type(exc).__name__}: {exc}"})
    return json_response(200, result)
