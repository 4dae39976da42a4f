"""Usage records are unique by (tenant, event id) whatever their month: the ids in a table of
their own, filled from the records already stored.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE usage_event_ids (
            tenant_id uuid NOT NULL,
            event_id uuid NOT NULL,
            occurred_at timestamptz NOT NULL,
            CONSTRAINT usage_event_ids_pkey PRIMARY KEY (tenant_id, event_id)
        )
        """
    )
    # An id stored twice before this table existed keeps its earliest record's time; both
    # records stay (they were accepted, and billed, as they were).
    op.execute(
        """
        INSERT INTO usage_event_ids (tenant_id, event_id, occurred_at)
        SELECT DISTINCT ON (tenant_id, event_id) tenant_id, event_id, occurred_at
        FROM usage_records ORDER BY tenant_id, event_id, occurred_at
        """
    )


def downgrade() -> None:
    op.drop_table("usage_event_ids")
