"""Tenant fences: a moving tenant's rows refuse writes on its source shard (see
tessera_common.db.fences); the tables fenced here are the accounts tables a tenant move
copies. The inbox names each
event's tenant, so a tenant's inbox rows move with it.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from tessera_common.db.fences import install_fences, remove_fences
from tessera_common.inbox import ADD_INBOX_TENANT_DDL, DROP_INBOX_TENANT_DDL

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Each table a tenant's rows live in, and the column naming the tenant.
TENANT_TABLES = {
    "tenants": "id",
    "users": "tenant_id",
    "api_keys": "tenant_id",
    "idempotency_keys": "tenant_id",
    "inbox": "tenant_id",
}


def upgrade() -> None:
    op.execute(ADD_INBOX_TENANT_DDL)
    install_fences(op, TENANT_TABLES)


def downgrade() -> None:
    remove_fences(op, TENANT_TABLES)
    op.execute(DROP_INBOX_TENANT_DDL)
