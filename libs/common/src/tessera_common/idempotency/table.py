"""The idempotency records every command service keeps on every shard."""

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    # The tenant the response is about: erasing a tenant deletes its records too.
    Column("tenant_id", Uuid, nullable=True, index=True),
    # 0 while the claiming transaction is open; the response's status once committed.
    Column("status_code", Integer, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("body", LargeBinary, nullable=False),  # AES-GCM: responses may hold a new API key
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("idempotency_keys_expiry", "expires_at"),
)

# For databases created before records named their tenant (IF NOT EXISTS: a database
# created from the definition above already has the column).
ADD_TENANT_DDL = (
    "ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS tenant_id uuid",
    "CREATE INDEX IF NOT EXISTS ix_idempotency_keys_tenant_id ON idempotency_keys (tenant_id)",
)
DROP_TENANT_DDL = ("ALTER TABLE idempotency_keys DROP COLUMN IF EXISTS tenant_id",)
