"""The usage tables a batch writes thousands of rows into check their tenants' fences once
per statement instead of once per row (see tessera_common.db.fences).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from tessera_common.db.fences import bulk_insert_fence_statements, row_insert_fence_statements

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BULK_TABLES = {"usage_event_ids": "tenant_id", "usage_records": "tenant_id"}


def upgrade() -> None:
    for statement in bulk_insert_fence_statements(BULK_TABLES):
        op.execute(statement)


def downgrade() -> None:
    for statement in row_insert_fence_statements(BULK_TABLES):
        op.execute(statement)
