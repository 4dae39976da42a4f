"""Table definitions of the billing database (one copy per shard of the hash ring)."""

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Uuid
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("tenant_id", Uuid, primary_key=True),
    Column("plan", String(16), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("prices", JSONB, nullable=False),  # the price book entry when last changed
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
