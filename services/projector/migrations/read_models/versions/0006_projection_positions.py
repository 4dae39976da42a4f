"""Projection positions: per topic partition, the offset the projector applies next.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written after each batch is applied, so it never runs ahead of the read models: an
    # event delivered past it means the events between were skipped, and are read again.
    op.create_table(
        "projection_positions",
        sa.Column("topic", sa.String(255), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("next_offset", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("projection_positions")
