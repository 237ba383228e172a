"""The service errors the ECI emulator answers with, one class per wire ``Code``.

Each class carries its wire ``code`` and ``http_status`` as class attributes (moto's
style), so the handler can serialise any of them into Alibaba's error JSON
``{"RequestId", "HostId", "Code", "Message", "Recommend"}`` without a lookup table.
Families of codes (``InvalidParameter.OutOfRange``, ``MissingParameter.Image.1``) take
the suffix at construction time. The codes and statuses follow Alibaba's conventions:
parameter errors are HTTP 400, unknown resources 404, wrong-state calls 403, throttling
``Throttling.User`` 400, and transient faults 500 / 503. STS (version 2015-04-01, on the
same port) answers in the same shape; its own refusals are ``NoPermission`` (403),
``EntityNotExist.Role`` / ``.OIDCProvider`` (404) and
``AuthenticationFail.OIDCToken.Expired`` / ``.Invalid`` (400).
"""

from __future__ import annotations

__all__ = [
    "NOT_AUTHORIZED",
    "AuthenticationFail",
    "EciServiceError",
    "EntityNotExist",
    "IdempotentParameterMismatch",
    "IncompleteSignature",
    "IncorrectImageCacheStatus",
    "InternalError",
    "InvalidAccessKeyIdNotFound",
    "InvalidAction",
    "InvalidImageCacheIdNotFound",
    "InvalidParameter",
    "InvalidSecurityToken",
    "InvalidTimeStamp",
    "InvalidVersion",
    "MissingParameter",
    "NoPermission",
    "QuotaExceeded",
    "ServiceUnavailable",
    "SignatureDoesNotMatch",
    "Throttling",
    "error_for_code",
]


class EciServiceError(Exception):
    """Base of every error the emulated service answers with."""

    code = "InternalError"
    http_status = 500

    def __init__(self, message: str, suffix: str = "") -> None:
        super().__init__(message)
        self.message = message
        if suffix:
            self.code = f"{type(self).code}.{suffix}"


class InvalidParameter(EciServiceError):
    """A parameter the action does not define, or a value out of its range or format.

    Suffixes used: ``Unsupported`` (name not defined for the action), ``Format``,
    ``OutOfRange``, ``TooMany`` (list longer than allowed), ``Duplicate``.
    """

    code = "InvalidParameter"
    http_status = 400


class MissingParameter(EciServiceError):
    """A required parameter is absent; the suffix is its wire name."""

    code = "MissingParameter"
    http_status = 400


class InvalidAction(EciServiceError):
    code = "InvalidAction.NotFound"
    http_status = 404


class InvalidVersion(EciServiceError):
    code = "InvalidVersion"
    http_status = 400


class InvalidTimeStamp(EciServiceError):
    """Suffixes: ``Format`` (not ``yyyy-MM-ddTHH:mm:ssZ``), ``Expired`` (more than 15
    minutes away from the service's clock, either way)."""

    code = "InvalidTimeStamp"
    http_status = 400


class SignatureDoesNotMatch(EciServiceError):
    code = "SignatureDoesNotMatch"
    http_status = 400


class IncompleteSignature(EciServiceError):
    """A V3 ``Authorization`` header that is malformed or leaves a common header unsigned."""

    code = "IncompleteSignature"
    http_status = 400


class InvalidAccessKeyIdNotFound(EciServiceError):
    code = "InvalidAccessKeyId.NotFound"
    http_status = 404


class InvalidSecurityToken(EciServiceError):
    """Suffixes: ``Mismatch`` (a token for a key that takes none, or the wrong one),
    ``Expired`` (a temporary key whose Expiration has passed on the service's clock)."""

    code = "InvalidSecurityToken"
    http_status = 400


class InvalidImageCacheIdNotFound(EciServiceError):
    """Update/Delete of an id that does not exist (Describe answers an empty list)."""

    code = "InvalidImageCacheId.NotFound"
    http_status = 404


class IncorrectImageCacheStatus(EciServiceError):
    """Update of a cache that is not ``Ready`` or ``UpdateFailed``."""

    code = "IncorrectImageCacheStatus"
    http_status = 403


class IdempotentParameterMismatch(EciServiceError):
    """A ClientToken reused with other parameters."""

    code = "IdempotentParameterMismatch"
    http_status = 400


class QuotaExceeded(EciServiceError):
    """The region already holds ``quota`` caches and none of them may be evicted."""

    code = "QuotaExceeded.ImageCache"
    http_status = 403


# STS's one sentence for every refusal by RAM: untrusted caller, wrong ExternalId, root.
NOT_AUTHORIZED = "You are not authorized to do this action. You should be authorized by RAM."


class NoPermission(EciServiceError):
    """STS refuses to let this caller assume this role (trust policy, ExternalId, or a
    caller that may not call AssumeRole at all)."""

    code = "NoPermission"
    http_status = 403


class EntityNotExist(EciServiceError):
    """A RAM entity named in an STS call does not exist; suffixes: ``Role``, ``OIDCProvider``."""

    code = "EntityNotExist"
    http_status = 404


class AuthenticationFail(EciServiceError):
    """An OIDC token STS does not accept; suffixes: ``OIDCToken.Expired``, ``OIDCToken.Invalid``.

    The HTTP status the service gives these is not documented; 400, as for the other
    refusals of a request's content, is the emulator's choice.
    """

    code = "AuthenticationFail"
    http_status = 400


class Throttling(EciServiceError):
    code = "Throttling.User"
    http_status = 400


class ServiceUnavailable(EciServiceError):
    code = "ServiceUnavailable"
    http_status = 503


class InternalError(EciServiceError):
    code = "InternalError"
    http_status = 500


def error_for_code(code: str, http_status: int, message: str) -> EciServiceError:
    """An error with an arbitrary wire code and status (used by fault injection)."""
    error = EciServiceError(message)
    error.code = code
    error.http_status = http_status
    return error
