"""Idempotency-Key: the same key and body replay the first response; another body is refused."""

from tessera_common.idempotency.guard import (
    IdempotencyGuard,
    IdempotencyKeyReusedError,
    IdempotentReplayError,
    StoredResponse,
    request_fingerprint,
)

__all__ = [
    "IdempotencyGuard",
    "IdempotencyKeyReusedError",
    "IdempotentReplayError",
    "StoredResponse",
    "request_fingerprint",
]
