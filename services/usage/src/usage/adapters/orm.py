"""The usage database: records in monthly range partitions (time-based sharding), and the
event ids they hold, in one table across every partition."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
    func,
)

metadata = MetaData()

usage_records = Table(
    "usage_records",
    metadata,
    Column("tenant_id", Uuid, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("meter", String(32), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The partition key must be in the key: a record is its event id at its time.
    PrimaryKeyConstraint("tenant_id", "event_id", "occurred_at"),
    postgresql_partition_by="RANGE (occurred_at)",
)

# A partitioned table's keys must hold the partition column, so usage_records alone cannot
# refuse an event id sent again at another time. This table can: one row per event id ever
# stored, claimed in the transaction that stores the record, kept when its month is archived.
usage_event_ids = Table(
    "usage_event_ids",
    metadata,
    Column("tenant_id", Uuid, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),  # where the record lives
    PrimaryKeyConstraint("tenant_id", "event_id"),
)
