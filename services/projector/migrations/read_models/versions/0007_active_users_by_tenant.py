"""Active users by tenant: the projector recounts a tenant's users with each batch that
changes them, and this partial index answers that count from the index alone (once the
table's pages are all-visible), instead of visiting every user row of the tenant.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Built without blocking the projector's writes.
    with op.get_context().autocommit_block():
        op.create_index(
            "users_tenant_active", "users", ["tenant_id"],
            postgresql_where=sa.text("status <> 'removed'"), postgresql_concurrently=True,
            if_not_exists=True,
        )  # fmt: skip


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("users_tenant_active", "users", postgresql_concurrently=True, if_exists=True)
