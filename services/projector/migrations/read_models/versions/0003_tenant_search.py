"""Searching the tenant directory by name: a trigram index serves ILIKE '%…%'.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # trusted: the database owner may
    op.execute("CREATE INDEX tenants_name_trgm ON tenants USING gin (name gin_trgm_ops)")
    op.create_index("tenants_created_page", "tenants", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("tenants_created_page")
    op.execute("DROP INDEX tenants_name_trgm")
