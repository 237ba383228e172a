"""The one request handler of the ECI emulator: wire in, backend call, wire out.

Both the served emulator and the in-process respx mock call ``EciResponses.handle``,
so a test that passes in-process exercises exactly the bytes the server would send.
``handle`` reads the RPC parameters (query string, plus the form body of a POST),
checks the signature and the common parameters, applies throttling and forced
faults, then dispatches on ``Action`` to one short method per action (moto's
``responses.py``) that calls the backend and returns the real JSON shape. Two
signature styles share the port: V1 (``Action`` and ``Signature`` among the
parameters, the legacy ``AcsClient`` and Go SDK) and V3 (``x-acs-action`` /
``x-acs-version`` headers and an ``ACS3-HMAC-SHA256`` Authorization, the current
SDK); a request with either V3 mark is checked the V3 way. Every service error
becomes ``{"RequestId", "HostId", "Code", "Message", "Recommend"}``. Every answer,
errors and throttling included, carries a ``Date`` header on the backend's clock
(``EciBackend.now()``, admin clock offset included), as the service's own clock:
clients judge a cache's age by it, not by a machine clock that may be days off.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .exceptions import (
    EciServiceError,
    InvalidAction,
    InvalidParameter,
    InvalidVersion,
    error_for_code,
)
from .faults import ForcedFault
from .models import EciBackend
from .params import ACTIONS, missing_parameter, parse_action_params
from .signature import verify_signature
from .signature_v3 import is_v3_request, read_action_and_version, verify_v3_signature

__all__ = ["API_VERSION", "EciResponses", "EmulatorResponse", "dated", "json_response"]

API_VERSION = "2018-08-08"


@dataclass
class EmulatorResponse:
    """What to send back; ``drop`` means close the connection without any answer."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    def json(self) -> Any:
        return json.loads(self.body)


def json_response(
    status: int, payload: Mapping[str, Any], request_id: str = ""
) -> EmulatorResponse:
    headers = {"Content-Type": "application/json;charset=utf-8"}
    if request_id:
        headers["x-acs-request-id"] = request_id
    return EmulatorResponse(status, json.dumps(payload).encode(), headers)


def dated(response: EmulatorResponse, now: float) -> EmulatorResponse:
    """The answer with the service's ``Date`` (RFC 7231 IMF-fixdate) at ``now``: clients
    correct their idea of the service's time with it."""
    response.headers["Date"] = formatdate(now, usegmt=True)
    return response


def _snake(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


@dataclass(frozen=True)
class _Request:
    """One RPC request as read off the wire; ``params`` hold query and form body (and,
    for V3, ``Action``/``Version`` from the headers)."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    params: dict[str, str]
    v3: bool


def _read_request(method: str, url: str, headers: Mapping[str, str], body: bytes) -> _Request:
    split = urlsplit(url)
    if split.path not in ("", "/"):
        raise InvalidAction(f"Specified api is not found, please check your url ({split.path}).")
    pairs = parse_qsl(split.query, keep_blank_values=True)
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    if method == "POST" and body and "json" not in content_type and "xml" not in content_type:
        pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    v3 = is_v3_request(headers, {name for name, _ in pairs})
    if v3:
        pairs += read_action_and_version(headers).items()
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise InvalidParameter(f"The parameter {name} is given more than once.", "Duplicate")
        params[name] = value
    return _Request(method, url, headers, body, params, v3)


class EciResponses:
    """Serves the four image-cache actions from one ``EciBackend``."""

    def __init__(self, backend: EciBackend) -> None:
        self.backend = backend

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> EmulatorResponse:
        """Answer one RPC request, V1 or V3 (``url`` may be a full URL or ``/?query``),
        dated by the backend's clock."""
        return dated(self._answer(method, url, headers, body), self.backend.now())

    def _answer(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> EmulatorResponse:
        request_id = str(uuid.uuid4()).upper()
        region = self.backend.default_region
        fault: ForcedFault | None = None
        try:
            with self.backend.lock:
                request = _read_request(method.upper(), url, headers, body)
                region = request.params.get("RegionId", region)
                fault = self._admit(request)
                if fault is not None and not fault.after_success:
                    return self._fault_response(fault, request_id, region)
                payload = self._dispatch(request.params)
            response = json_response(200, {"RequestId": request_id, **payload}, request_id)
        except EciServiceError as error:
            response = self._error_response(error, request_id, region)
        if fault is not None:
            return self._fault_response(fault, request_id, region)
        return response

    def _admit(self, request: _Request) -> ForcedFault | None:
        """Count the call, authenticate it, throttle it; the forced fault it suffers."""
        params = request.params
        if request.method not in ("GET", "POST"):
            raise InvalidParameter(
                f"The HTTP method {request.method} is not supported.", "HttpMethod"
            )
        action = params.get("Action")
        if not action:
            raise missing_parameter("Action")
        self.backend.call_counts[action] += 1
        self._authenticate(request)
        for name in ("Version", "RegionId"):
            if not params.get(name):
                raise missing_parameter(name)
        if params["Version"] != API_VERSION:
            raise InvalidVersion(
                f"Specified parameter Version {params['Version']!r} is not "
                f"valid; this API is {API_VERSION}."
            )
        if params.get("Format", "JSON") != "JSON":
            raise InvalidParameter(
                f"The Format {params['Format']!r} is not supported; the "
                "emulator answers JSON only.",
                "Format",
            )
        if action not in ACTIONS:
            raise InvalidAction(f"Specified api {action} is not found.")
        self.backend.faults.check_throttle(self.backend.now())
        return self.backend.faults.take(action)

    def _authenticate(self, request: _Request) -> None:
        if not request.v3:
            verify_signature(request.method, request.params, self.backend.access_keys)
            return
        # The clock without the admin API's offset: that moves the emulated world's
        # time (retention, builds), not the wall clock a client signs with.
        verify_v3_signature(
            request.method,
            request.url,
            request.headers,
            request.body,
            self.backend.access_keys,
            self.backend.clock(),
        )

    def _dispatch(self, params: Mapping[str, str]) -> dict[str, Any]:
        action = params["Action"]
        spec = parse_action_params(action, params)
        method = getattr(self, _snake(action))
        result: dict[str, Any] = method(params["RegionId"], spec)
        return result

    # -- one method per action ------------------------------------------------------
    def create_image_cache(self, region_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        cache = self.backend.create_image_cache(region_id, spec)
        return {"ImageCacheId": cache.cache_id, "ContainerGroupId": cache.container_group_id}

    def describe_image_caches(self, region_id: str, filters: dict[str, Any]) -> dict[str, Any]:
        caches, total, next_token = self.backend.describe_image_caches(region_id, filters)
        return {
            "ImageCaches": [c.to_api() for c in caches],
            "TotalCount": total,
            "NextToken": next_token,
        }

    def update_image_cache(self, region_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        cache_id = spec.pop("ImageCacheId")
        self.backend.update_image_cache(region_id, cache_id, spec)
        return {}

    def delete_image_cache(self, region_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        self.backend.delete_image_cache(region_id, spec["ImageCacheId"], spec.get("ClientToken"))
        return {}

    # -- error shapes ---------------------------------------------------------------
    @staticmethod
    def _error_response(error: EciServiceError, request_id: str, region: str) -> EmulatorResponse:
        return json_response(
            error.http_status,
            {
                "RequestId": request_id,
                "HostId": f"eci.{region}.aliyuncs.com",
                "Code": error.code,
                "Message": error.message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product=Eci",
            },
            request_id,
        )

    def _fault_response(self, fault: ForcedFault, request_id: str, region: str) -> EmulatorResponse:
        if fault.kind == "drop":
            return EmulatorResponse(0, drop=True)
        error = error_for_code(fault.code, fault.http_status, fault.message)
        return self._error_response(error, request_id, region)
