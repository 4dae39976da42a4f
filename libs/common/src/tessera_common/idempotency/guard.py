"""The guard a command runs under when the caller sent an Idempotency-Key.

It claims the key inside the command's own shard transaction, before the command
runs: a concurrent twin blocks on the claim until the first commits, then replays
its response. If the command fails, the claim rolls back with it, so a retry runs
the command afresh. The response is recorded in the same transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Update, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from tessera_common.idempotency.cipher import ResponseCipher
from tessera_common.idempotency.table import idempotency_keys


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class IdempotentReplayError(Exception):
    def __init__(self, response: StoredResponse) -> None:
        super().__init__(f"replaying a {response.status}")
        self.response = response


class IdempotencyKeyReusedError(Exception):
    """The key was first used with another request."""


def request_fingerprint(method: str, path: str, canonical_body: bytes) -> str:
    """What "the same request" means: method, path and the validated body, canonical."""
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), canonical_body])).hexdigest()


@dataclass(frozen=True)
class IdempotencyGuard:
    scope: str
    key: str
    request_hash: str
    ttl: timedelta
    cipher: ResponseCipher
    tenant_id: uuid.UUID | None = None

    @property
    def _record(self) -> bytes:
        return f"{self.scope}\n{self.key}".encode()

    async def claim(self, conn: AsyncConnection) -> None:
        """Own the key for this transaction, or raise: a replay, or the key reused."""
        now = datetime.now(UTC)
        stmt = insert(idempotency_keys).values(
            scope=self.scope, key=self.key, request_hash=self.request_hash, status_code=0,
            headers={}, body=b"", expires_at=now + self.ttl, tenant_id=self.tenant_id,
        )  # fmt: skip
        claimed = stmt.on_conflict_do_update(
            index_elements=["scope", "key"],
            set_={"request_hash": stmt.excluded.request_hash, "status_code": 0,
                  "headers": {}, "body": b"", "expires_at": stmt.excluded.expires_at},
            where=idempotency_keys.c.expires_at < now,  # an expired key is free again
        ).returning(text("1"))  # fmt: skip
        if (await conn.execute(claimed)).first() is not None:
            return
        row = (
            await conn.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.scope == self.scope, idempotency_keys.c.key == self.key
                )
            )
        ).one()
        if row.request_hash != self.request_hash:
            raise IdempotencyKeyReusedError(self.key)
        body = self.cipher.open(row.body, self._record)
        raise IdempotentReplayError(StoredResponse(row.status_code, dict(row.headers), body))

    def recording(self, response: StoredResponse) -> Update:
        """The statement that records the response on the claimed key (the unit of work
        sends it with its outbox rows, as one statement)."""
        return (
            idempotency_keys.update()
            .where(idempotency_keys.c.scope == self.scope, idempotency_keys.c.key == self.key)
            .values(
                status_code=response.status,
                headers=response.headers,
                body=self.cipher.seal(response.body, self._record),
            )
        )
