"""Idempotency records name their tenant, so erasing a tenant erases them.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: a database created from the current table definition already has it.
    op.execute("ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS tenant_id uuid")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_idempotency_keys_tenant_id ON idempotency_keys (tenant_id)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE idempotency_keys DROP COLUMN IF EXISTS tenant_id")
