"""Tenant fences: while a tenant moves between shards, its source shard refuses every write
to that tenant's rows, in the database itself, whichever process (and whatever stale
placement) sends it. After the move a tombstone fence stays, naming where the tenant went.

A fence is a row of `tenant_fences`; a row trigger on each tenant table looks it up (an
index probe in a table that is empty but for tenants on the move) and raises SQLSTATE
`TSM01`, which the services answer with a 503 and `Retry-After: 1`. The mover itself
writes through a fence by setting `tessera.mover = 'on'` in its transaction.
"""

from __future__ import annotations

from typing import Any  # alembic's `op` (alembic is a migrations' dependency only)

from sqlalchemy import Column, DateTime, MetaData, String, Table, Uuid, func

FENCED_SQLSTATE = "TSM01"

metadata = MetaData()

tenant_fences = Table(
    "tenant_fences",
    metadata,
    Column("tenant_id", Uuid, primary_key=True),
    Column("state", String(16), nullable=False),  # "moving", or "moved" (a tombstone)
    Column("moved_to", String(64), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def fence_function_ddl(column: str) -> str:
    """`refuse_fenced_<column>()`: the trigger function for tables keyed by `column`."""
    return f"""
CREATE OR REPLACE FUNCTION refuse_fenced_{column}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    tenant uuid;
    fence record;
BEGIN
    IF TG_OP = 'DELETE' THEN tenant := OLD.{column}; ELSE tenant := NEW.{column}; END IF;
    SELECT state, moved_to INTO fence FROM tenant_fences WHERE tenant_id = tenant;
    IF FOUND AND coalesce(current_setting('tessera.mover', true), '') <> 'on' THEN
        RAISE EXCEPTION 'tenant % is %: its rows are being moved to %',
            tenant, fence.state, fence.moved_to
            USING ERRCODE = '{FENCED_SQLSTATE}', DETAIL = fence.moved_to;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
"""


def fence_trigger_ddl(table: str, column: str) -> str:
    return (
        f"CREATE TRIGGER {table}_tenant_fence BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION refuse_fenced_{column}()"
    )


def fence_statements(tables: dict[str, str]) -> list[str]:
    """The fence table's triggers on `tables` (table -> its tenant column), in order."""
    columns = sorted(set(tables.values()))
    return [
        *(fence_function_ddl(column) for column in columns),
        *(fence_trigger_ddl(table, column) for table, column in tables.items()),
    ]


def install_fences(op: Any, tables: dict[str, str]) -> None:
    """A migration's upgrade: the fence table, and its triggers on `tables`."""
    tenant_fences.create(op.get_bind())
    for statement in fence_statements(tables):
        op.execute(statement)


def remove_fences(op: Any, tables: dict[str, str]) -> None:
    """A migration's downgrade: the triggers on `tables`, then the fence table."""
    for statement in unfence_statements(tables):
        op.execute(statement)
    op.drop_table("tenant_fences")


def unfence_statements(tables: dict[str, str]) -> list[str]:
    columns = sorted(set(tables.values()))
    return [
        *(f"DROP TRIGGER IF EXISTS {table}_tenant_fence ON {table}" for table in tables),
        *(f"DROP FUNCTION IF EXISTS refuse_fenced_{column}()" for column in columns),
    ]
