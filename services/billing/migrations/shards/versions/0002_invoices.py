"""Invoices, payments, and the usage totals billing learns from usage events.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from billing.adapters.orm import invoices, payments, usage_totals

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in (invoices, payments, usage_totals):
        table.create(bind)


def downgrade() -> None:
    for table in ("usage_totals", "payments", "invoices"):
        op.drop_table(table)
