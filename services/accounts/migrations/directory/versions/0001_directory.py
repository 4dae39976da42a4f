"""The tenant directory: tenant -> region and shard.

Revision ID: 0001
Revises:
"""

from alembic import op

from tessera_common.db.placements import tenant_placements

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    tenant_placements.create(op.get_bind())


def downgrade() -> None:
    op.drop_table("tenant_placements")
