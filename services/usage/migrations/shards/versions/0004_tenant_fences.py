"""Tenant fences: a moving tenant's rows refuse writes on its source shard (see
tessera_common.db.fences); the tables fenced here are the usage tables a tenant move
copies.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from tessera_common.db.fences import install_fences, remove_fences

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Each table a tenant's rows live in, and the column naming the tenant.
TENANT_TABLES = {
    "usage_event_ids": "tenant_id",
    "usage_records": "tenant_id",
    "idempotency_keys": "tenant_id",
}


def upgrade() -> None:
    install_fences(op, TENANT_TABLES)


def downgrade() -> None:
    remove_fences(op, TENANT_TABLES)
