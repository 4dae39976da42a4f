"""Idempotency records, written in each command's own transaction.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from tessera_common.idempotency.table import idempotency_keys

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    idempotency_keys.create(op.get_bind())


def downgrade() -> None:
    op.drop_table("idempotency_keys")
