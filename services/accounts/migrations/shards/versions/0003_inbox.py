"""The inbox of the accounts choreography consumer.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from tessera_common.inbox import inbox

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inbox.create(op.get_bind())


def downgrade() -> None:
    op.drop_table("inbox")
