"""Usage rollups: each batch's hourly contributions, and hourly and daily totals from them.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per (batch, meter, hour): inserting a batch twice changes nothing, so the
    # totals recomputed from these rows are exact under at-least-once delivery.
    op.create_table(
        "usage_contributions",
        sa.Column("batch_id", sa.Uuid, primary_key=True),
        sa.Column("meter", sa.String(32), primary_key=True),
        sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "usage_contributions_rollup", "usage_contributions", ["tenant_id", "meter", "hour"]
    )
    for table, bucket in (("usage_hourly", "hour"), ("usage_daily", "day")):
        op.create_table(
            table,
            sa.Column("tenant_id", sa.Uuid, primary_key=True),
            sa.Column("meter", sa.String(32), primary_key=True),
            sa.Column(bucket, sa.DateTime(timezone=True), primary_key=True),
            sa.Column("quantity", sa.BigInteger, nullable=False),
        )


def downgrade() -> None:
    op.drop_table("usage_daily")
    op.drop_table("usage_hourly")
    op.drop_table("usage_contributions")
