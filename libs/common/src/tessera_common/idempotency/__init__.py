"""Idempotency-Key: the same key and body replay the first response; another body is a 422."""

from tessera_common.idempotency.guard import (
    IdempotencyGuard,
    IdempotentReplayError,
    StoredResponse,
    request_fingerprint,
)

__all__ = ["IdempotencyGuard", "IdempotentReplayError", "StoredResponse", "request_fingerprint"]
