"""The gRPC status that keeps a cache in the state: "initialization failed".

When a create or update has the service's cache but its wait ended before the cache was
Ready (the engine cancelled, the ``timeout`` ran out), both faces answer with the
protocol's ``ErrorResourceInitFailed`` detail: the engine then records the resource
(its id and properties) with ``reasons`` as its init errors, and the next ``pulumi up``
updates it, which waits again. Each face marshals the properties its own way.
"""

from __future__ import annotations

from typing import Any

import grpc
from pulumi.runtime.proto import provider_pb2, status_pb2

__all__ = ["init_failed_status"]


def init_failed_status(cache_id: str, properties: Any, reason: str) -> grpc.Status:
    """A status carrying the detail; ``properties`` is the outputs' protobuf Struct."""
    detail = provider_pb2.ErrorResourceInitFailed(
        id=cache_id, properties=properties, reasons=[reason]
    )
    code = grpc.StatusCode.UNKNOWN
    body = status_pb2.Status(code=code.value[0], message=reason)
    body.details.add().Pack(detail)
    status = grpc.Status()
    status.code, status.details = code, reason
    status.trailing_metadata = (("grpc-status-details-bin", body.SerializeToString()),)
    return status
