"""Signs ECI RPC requests inside httpx, with aliyunsdkcore's own signature code.

The signature (version 1.0, HMAC-SHA1 over the sorted query) is not written here:
``aliyunsdkcore.auth.composer.rpc_signature_composer.get_signed_url`` computes it, the
same function the vendor's ``AcsClient`` uses. Doing it in ``httpx.Auth.auth_flow``
means every attempt of a retried request is signed afresh (new ``SignatureNonce`` and
``Timestamp``), so a retry is never rejected as a replay. A POST's form-body parameters
are signed too (the composer's ``body_params``), and stay in the body.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from urllib.parse import parse_qsl

import httpx
from aliyunsdkcore.auth.composer import rpc_signature_composer

from pulumi_eci_cache.cloud.credentials import Credential

__all__ = ["RpcSignatureAuth"]


class RpcSignatureAuth(httpx.Auth):
    """Adds AccessKeyId, SecurityToken, Timestamp, nonce and Signature to the query."""

    requires_request_body = True

    def __init__(self, credentials: Callable[[], Credential]) -> None:
        self._credentials = credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        credential = self._credentials()
        params = dict(request.url.params.multi_items())
        if credential.security_token:
            params["SecurityToken"] = credential.security_token
        signed_path, _ = rpc_signature_composer.get_signed_url(
            params,
            credential.access_key_id,
            credential.access_key_secret,
            "JSON",
            request.method,
            _form(request),
        )
        # signed_path is "/?<query>": keep our scheme, host and path, take its query.
        request.url = request.url.copy_with(query=signed_path.split("?", 1)[1].encode("ascii"))
        yield request


def _form(request: httpx.Request) -> dict[str, str]:
    """The form-body parameters of a POST (signed with the query's), else none."""
    if request.method != "POST":
        return {}
    if "x-www-form-urlencoded" not in request.headers.get("Content-Type", ""):
        return {}
    return dict(parse_qsl(request.content.decode("utf-8"), keep_blank_values=True))
