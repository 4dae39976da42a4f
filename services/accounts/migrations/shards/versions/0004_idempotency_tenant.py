"""Idempotency records name their tenant, so erasing a tenant erases them.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from tessera_common.idempotency.table import ADD_TENANT_DDL, DROP_TENANT_DDL

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in ADD_TENANT_DDL:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_TENANT_DDL:
        op.execute(statement)
