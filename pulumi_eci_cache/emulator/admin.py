"""The emulator's admin API under ``/_emulator/``: the backend's switches over HTTP.

A served emulator runs in another process (or under the pulumi CLI), so the Python
methods tests use in-process (``reset``, ``set_unpullable_images``, ``faults``,
``advance_clock`` ...) are also offered as small JSON endpoints. The respx mock mounts
them too, so one test can drive either mode the same way. Answers carry the
backend's ``Date``, as RPC answers do.

    GET  /_emulator/caches      {"ImageCaches": [cache in API shape plus the stored
                                 fields Describe leaves out (Annotations), all regions]}
    POST /_emulator/reset       {}                               -> {}
    GET|POST /_emulator/config  {"build_seconds", "hold_builds", "failed_ttl_seconds",
                                 "quota", "default_region",
                                 "access_keys": {id: {"secret", "security_token"}}}
    GET|POST /_emulator/faults  {"throttle": {"qps", "burst"} | null, "invisible_polls": N,
                                 "force": [{"action", "kind": "error"|"drop",
                                 "after_success", "code", "http_status", "message",
                                 "count"}], "clear": bool}  -> the faults now set
    POST /_emulator/unpullable  {"images": [image...] | {image: cause}}
    POST /_emulator/clock       {"advance": seconds}             -> {"now", "time"}
    POST /_emulator/builds/finish {}  -> {"ImageCacheIds": [...]}  every running build,
                                 held or not, ends now; the clock does not move
                                 (with "hold_builds": true builds started from then on
                                 never end by themselves)
    POST /_emulator/evict       {"ImageCacheId": id}             (LRU caches only)
    GET  /_emulator/calls       {"calls": {action: count}}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .models import EciBackend, iso_time
from .responses import EmulatorResponse, dated, json_response

__all__ = ["ADMIN_PREFIX", "handle_admin"]

ADMIN_PREFIX = "/_emulator/"

_CONFIG_KEYS = ("build_seconds", "hold_builds", "failed_ttl_seconds", "quota", "default_region")


def _caches(backend: EciBackend, _: dict[str, Any]) -> dict[str, Any]:
    return {"ImageCaches": [c.to_admin() for c in backend.all_caches()]}


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
    for key_id, key in body.get("access_keys", {}).items():
        backend.add_access_key(key_id, key["secret"], key.get("security_token"))
    return {key: getattr(backend, key) for key in _CONFIG_KEYS}


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
    return {"calls": dict(backend.call_counts)}


Route = Callable[[EciBackend, dict[str, Any]], dict[str, Any]]
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
