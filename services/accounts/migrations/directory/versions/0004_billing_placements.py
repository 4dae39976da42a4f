"""Billing placements (the overrides of the billing ring), and a scope for each tenant move:
its home rows or its billing rows, one active move per tenant and scope.

0003 creates `tenant_moves` from its current definition, so on a new directory the scope
is there already; on one made before it, this adds it.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from tessera_common.db.billing_placements import billing_placements

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    billing_placements.create(op.get_bind(), checkfirst=True)
    op.execute(
        "ALTER TABLE tenant_moves ADD COLUMN IF NOT EXISTS scope varchar(16) "
        "NOT NULL DEFAULT 'home'"
    )
    op.execute("DROP INDEX IF EXISTS tenant_moves_one_active")
    op.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS tenant_moves_one_active_per_scope "
        "ON tenant_moves (tenant_id, scope) WHERE state NOT IN ('done', 'rolled-back')"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS tenant_moves_one_active_per_scope")
    op.execute(
        "CREATE UNIQUE INDEX tenant_moves_one_active ON tenant_moves (tenant_id) "
        "WHERE state NOT IN ('done', 'rolled-back')"
    )
    op.drop_column("tenant_moves", "scope")
    op.drop_table("billing_placements")
