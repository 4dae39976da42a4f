"""Tenant moves between shards: each one's state, progress and report, one at a time per
tenant.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from tessera_common.resharding.moves import tenant_moves

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tenant_moves.create(op.get_bind())


def downgrade() -> None:
    op.drop_table("tenant_moves")
