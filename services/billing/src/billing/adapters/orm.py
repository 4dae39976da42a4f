"""Table definitions of the billing database (one copy per shard of the hash ring)."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)
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

invoices = Table(
    "invoices",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("period", String(7), nullable=False),
    Column("plan", String(16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "period", name="invoices_one_per_period"),
    Index("invoices_open_due", "due_at", postgresql_where=text("status = 'open'")),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),  # the client's payment id: one use, ever
    Column("invoice_id", Uuid, ForeignKey("invoices.id"), nullable=False, index=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# Per tenant and month, what usage billing has learned from usage events.
usage_totals = Table(
    "usage_totals",
    metadata,
    Column("tenant_id", Uuid, primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("meter", String(32), primary_key=True),
    Column("quantity", BigInteger, nullable=False),
)
