"""Signs ECI RPC requests inside httpx, with aliyunsdkcore's own signature code.

The signature (version 1.0, HMAC-SHA1 over the sorted query) is not written here:
``aliyunsdkcore.auth.composer.rpc_signature_composer.get_signed_url`` computes it, the
same function the vendor's ``AcsClient`` uses. Doing it in ``httpx.Auth.auth_flow``
means every attempt of a retried request is signed afresh (new ``SignatureNonce`` and
``Timestamp``), so a retry is never rejected as a replay.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import httpx
from aliyunsdkcore.auth.composer import rpc_signature_composer

from pulumi_eci_cache.cloud.credentials import Credential

__all__ = ["RpcSignatureAuth"]


class RpcSignatureAuth(httpx.Auth):
    """Adds AccessKeyId, SecurityToken, Timestamp, nonce and Signature to the query."""

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
            {},
        )
        # signed_path is "/?<query>": keep our scheme, host and path, take its query.
        request.url = request.url.copy_with(query=signed_path.split("?", 1)[1].encode("ascii"))
        yield request
