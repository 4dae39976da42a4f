"""The shard topology, versioned: servers, region groups, the billing ring.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from tessera_common.db.topology import shard_topology

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shard_topology.create(op.get_bind())


def downgrade() -> None:
    op.drop_table("shard_topology")
