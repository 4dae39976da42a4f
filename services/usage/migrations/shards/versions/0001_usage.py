"""Usage records (partitioned by month), the outbox and idempotency records, on every shard.

Revision ID: 0001
Revises:
"""

from alembic import op

from tessera_common.idempotency.table import idempotency_keys
from tessera_common.outbox.table import DROP_NOTIFY_DDL, NOTIFY_FUNCTION_DDL, NOTIFY_TRIGGER_DDL
from tessera_common.outbox.table import outbox as outbox_table
from usage.adapters.orm import usage_records

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in (usage_records, outbox_table, idempotency_keys):
        table.create(bind)
    op.execute(NOTIFY_FUNCTION_DDL)
    op.execute(NOTIFY_TRIGGER_DDL)


def downgrade() -> None:
    for statement in DROP_NOTIFY_DDL:
        op.execute(statement)
    for table in ("idempotency_keys", "outbox", "usage_records"):
        op.drop_table(table)
