"""The one request handler of the emulator (ECI and STS): wire in, backend call, wire out.

Both the served emulator and the in-process respx mock call ``EciResponses.handle``,
so a test that passes in-process exercises exactly the bytes the server would send.
``handle`` reads the RPC parameters (query string, plus the form body of a POST),
checks the signature and the common parameters, applies throttling and forced
faults, then dispatches on ``Action`` to one short method per action (moto's
``responses.py``) that calls the backend and returns the real JSON shape. Two
signature styles share the port: V1 (``Action`` and ``Signature`` among the
parameters, the legacy ``AcsClient`` and Go SDK) and V3 (``x-acs-action`` /
``x-acs-version`` headers and an ``ACS3-HMAC-SHA256`` Authorization, the current
SDK); a request with either V3 mark is checked the V3 way. STS shares the port: a
request whose ``Version`` (V3: ``x-acs-version``) is ``2015-04-01`` goes to the STS
actions (``AssumeRole``, ``AssumeRoleWithOIDC`` which is not signed,
``GetCallerIdentity``), with the same counting, faults and error shape. An ECI call
acts in the account of the key that signed it. Every call is logged with the
identity that signed it (``EciBackend.record_call``: key id, account, principal ARN,
region, the code answered; never a secret). Every service error
becomes ``{"RequestId", "HostId", "Code", "Message", "Recommend"}``. Every answer,
errors and throttling included, carries a ``Date`` header on the backend's clock
(``EciBackend.now()``, admin clock offset included), as the service's own clock:
clients judge a cache's age by it, not by a machine clock that may be days off.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
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
from .iam import AccessKey
from .models import EciBackend
from .params import ACTIONS, missing_parameter, parse_action_params
from .signature import verify_signature
from .signature_v3 import (
    is_v3_request,
    parse_authorization,
    read_action_and_version,
    verify_v3_signature,
)
from .sts_params import STS_ACTIONS, STS_API_VERSION, UNSIGNED_ACTIONS, parse_sts_params

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


@dataclass
class _Call:
    """What the log records about one call, filled in as the request is understood."""

    product: str = "ECI"
    action: str | None = None
    key_id: str | None = None
    key: AccessKey | None = None
    region_id: str | None = None
    principal: str | None = None
    account_id: str | None = None

    def signed_by(self, key_id: str, key: AccessKey) -> None:
        self.key_id, self.key = key_id, key
        self.principal, self.account_id = key.principal, key.account_id

    def caller(self) -> AccessKey:
        if self.key is None:  # only unsigned actions run without one
            raise AssertionError(f"{self.action} ran without an authenticated caller")
        return self.key

    def entry(self, response: EmulatorResponse) -> dict[str, Any]:
        """The log entry: who, what, where, and the code answered (never a secret)."""
        if response.drop:
            code = "Dropped"
        elif response.status == 200:
            code = ""
        else:
            code = str(response.json().get("Code", ""))
        return {
            "Product": self.product,
            "Action": self.action,
            "AccessKeyId": self.key_id,
            "AccountId": self.account_id,
            "Principal": self.principal,
            "RegionId": self.region_id,
            "Code": code,
        }


def _claimed_key_id(request: _Request) -> str | None:
    """The key id a request says it is signed with (logged even when refused)."""
    if not request.v3:
        return request.params.get("AccessKeyId")
    authorization = {k.lower(): v for k, v in request.headers.items()}.get("authorization")
    try:
        return parse_authorization(authorization).access_key_id if authorization else None
    except EciServiceError:
        return None


class EciResponses:
    """Serves the four image-cache actions and the three STS actions from one ``EciBackend``."""

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
        call = _Call()
        fault: ForcedFault | None = None
        try:
            with self.backend.lock:
                request = _read_request(method.upper(), url, headers, body)
                call.region_id = request.params.get("RegionId")
                fault = self._admit(request, call)
                if fault is not None and not fault.after_success:
                    return self._logged(call, self._fault_response(fault, request_id, call))
                payload = self._dispatch(request.params, call)
            response = json_response(200, {"RequestId": request_id, **payload}, request_id)
        except EciServiceError as error:
            response = self._error_response(error, request_id, call)
        if fault is not None:
            response = self._fault_response(fault, request_id, call)
        return self._logged(call, response)

    def _logged(self, call: _Call, response: EmulatorResponse) -> EmulatorResponse:
        if call.action is not None:  # counted calls only: the log and the counts agree
            with self.backend.lock:
                self.backend.record_call(call.entry(response))
        return response

    def _admit(self, request: _Request, call: _Call) -> ForcedFault | None:
        """Count the call, authenticate it, throttle it; the forced fault it suffers."""
        params = request.params
        if request.method not in ("GET", "POST"):
            raise InvalidParameter(
                f"The HTTP method {request.method} is not supported.", "HttpMethod"
            )
        action = params.get("Action")
        if not action:
            raise missing_parameter("Action")
        call.action = action
        self.backend.call_counts[action] += 1
        sts = params.get("Version") == STS_API_VERSION
        call.product = "STS" if sts else "ECI"
        if not (sts and action in UNSIGNED_ACTIONS):
            call.key_id = _claimed_key_id(request)
            key_id = self._authenticate(request)
            call.signed_by(key_id, self.backend.access_keys[key_id])
        if sts:
            self._check_sts_params(params)
        else:
            self._check_eci_params(params)
        self.backend.faults.check_throttle(self.backend.now())
        return self.backend.faults.take(action)

    @staticmethod
    def _check_eci_params(params: Mapping[str, str]) -> None:
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
        if params["Action"] not in ACTIONS:
            raise InvalidAction(f"Specified api {params['Action']} is not found.")

    @staticmethod
    def _check_sts_params(params: Mapping[str, str]) -> None:
        # The current SDK sends an anonymous call's Format as "json".
        if params.get("Format", "JSON").upper() != "JSON":
            raise InvalidParameter(
                f"The Format {params['Format']!r} is not supported; the "
                "emulator answers JSON only.",
                "Format",
            )
        if params["Action"] not in STS_ACTIONS:
            raise InvalidAction(f"Specified api {params['Action']} is not found.")

    def _authenticate(self, request: _Request) -> str:
        """The id of the key that signed the request; temporary keys are judged expired
        or not by the emulated service's time."""
        if not request.v3:
            return verify_signature(
                request.method, request.params, self.backend.access_keys, self.backend.now()
            )
        # The clock without the admin API's offset: that moves the emulated world's
        # time (retention, builds), not the wall clock a client signs with.
        return verify_v3_signature(
            request.method,
            request.url,
            request.headers,
            request.body,
            self.backend.access_keys,
            self.backend.clock(),
            service_now=self.backend.now(),
        )

    def _dispatch(self, params: Mapping[str, str], call: _Call) -> dict[str, Any]:
        action = params["Action"]
        if call.product == "STS":
            spec = parse_sts_params(action, params)
            sts_method: Callable[[dict[str, Any], _Call], dict[str, Any]] = getattr(
                self, _STS_METHODS[action]
            )
            return sts_method(spec, call)
        spec = parse_action_params(action, params)
        method = getattr(self, _snake(action))
        result: dict[str, Any] = method(params["RegionId"], spec, call.caller().account_id)
        return result

    # -- one method per ECI action --------------------------------------------------
    def create_image_cache(
        self, region_id: str, spec: dict[str, Any], account_id: str | None = None
    ) -> dict[str, Any]:
        cache = self.backend.create_image_cache(region_id, spec, account_id)
        return {"ImageCacheId": cache.cache_id, "ContainerGroupId": cache.container_group_id}

    def describe_image_caches(
        self, region_id: str, filters: dict[str, Any], account_id: str | None = None
    ) -> dict[str, Any]:
        caches, total, next_token = self.backend.describe_image_caches(
            region_id, filters, account_id
        )
        return {
            "ImageCaches": [c.to_api() for c in caches],
            "TotalCount": total,
            "NextToken": next_token,
        }

    def update_image_cache(
        self, region_id: str, spec: dict[str, Any], account_id: str | None = None
    ) -> dict[str, Any]:
        cache_id = spec.pop("ImageCacheId")
        self.backend.update_image_cache(region_id, cache_id, spec, account_id)
        return {}

    def delete_image_cache(
        self, region_id: str, spec: dict[str, Any], account_id: str | None = None
    ) -> dict[str, Any]:
        self.backend.delete_image_cache(
            region_id, spec["ImageCacheId"], spec.get("ClientToken"), account_id
        )
        return {}

    # -- one method per STS action --------------------------------------------------
    def assume_role(self, spec: dict[str, Any], call: _Call) -> dict[str, Any]:
        session = self.backend.iam.assume_role(
            call.caller(),
            spec["RoleArn"],
            spec["RoleSessionName"],
            spec.get("DurationSeconds"),
            spec.get("Policy"),
            spec.get("ExternalId"),
        )
        return session.to_api()

    def assume_role_with_oidc(self, spec: dict[str, Any], call: _Call) -> dict[str, Any]:
        session, claims = self.backend.iam.assume_role_with_oidc(
            spec["OIDCProviderArn"],
            spec["RoleArn"],
            spec["OIDCToken"],
            spec.get("RoleSessionName"),
            spec.get("DurationSeconds"),
            spec.get("Policy"),
        )
        # Logged as the provider whose token was accepted: no key signed the call.
        call.principal, call.account_id = claims.provider_arn, claims.provider_arn.split(":")[3]
        return {**session.to_api(), "OIDCTokenInfo": claims.to_api()}

    def get_caller_identity(self, spec: dict[str, Any], call: _Call) -> dict[str, Any]:
        return self.backend.iam.get_caller_identity(call.caller())

    # -- error shapes ---------------------------------------------------------------
    def _error_response(
        self, error: EciServiceError, request_id: str, call: _Call
    ) -> EmulatorResponse:
        if call.product == "STS":
            host, product = "sts.aliyuncs.com", "Sts"
        else:
            host, product = (
                f"eci.{call.region_id or self.backend.default_region}.aliyuncs.com",
                "Eci",
            )
        return json_response(
            error.http_status,
            {
                "RequestId": request_id,
                "HostId": host,
                "Code": error.code,
                "Message": error.message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product={product}",
            },
            request_id,
        )

    def _fault_response(self, fault: ForcedFault, request_id: str, call: _Call) -> EmulatorResponse:
        if fault.kind == "drop":
            return EmulatorResponse(0, drop=True)
        error = error_for_code(fault.code, fault.http_status, fault.message)
        return self._error_response(error, request_id, call)


_STS_METHODS = {
    "AssumeRole": "assume_role",
    "AssumeRoleWithOIDC": "assume_role_with_oidc",
    "GetCallerIdentity": "get_caller_identity",
}
