"""Tenant fences: while a tenant moves between shards, its source shard refuses every write
to that tenant's rows, in the database itself, whichever process (and whatever stale
placement) sends it. After the move a tombstone fence stays, naming where the tenant went.

A fence is a row of `tenant_fences`; a row trigger on each tenant table looks it up (an
index probe in a table that is empty but for tenants on the move) and raises SQLSTATE
`TSM01`, which the services answer with a 503 and `Retry-After: 1`. The mover itself
writes through a fence by setting `tessera.mover = 'on'` in its transaction.

A table written thousands of rows per statement (usage records) checks its inserts once
per statement instead (`bulk_insert_fence_statements`): a statement trigger looks up every
tenant the statement inserted, from its transition table, at the cost of one join. A
PL/pgSQL call per row was a third of a usage batch's time in its shard.
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


def fence_trigger_ddl(table: str, column: str, events: str = "INSERT OR UPDATE OR DELETE") -> str:
    return (
        f"CREATE TRIGGER {table}_tenant_fence BEFORE {events} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION refuse_fenced_{column}()"
    )


def insert_fence_function_ddl(column: str) -> str:
    """`refuse_fenced_inserts_<column>()`: a statement trigger's function, for tables keyed
    by `column`, reading the statement's rows from the transition table `inserted`."""
    return f"""
CREATE OR REPLACE FUNCTION refuse_fenced_inserts_{column}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    fence record;
BEGIN
    IF coalesce(current_setting('tessera.mover', true), '') = 'on' THEN RETURN NULL; END IF;
    SELECT f.tenant_id, f.state, f.moved_to INTO fence FROM tenant_fences f
    WHERE f.tenant_id IN (SELECT i.{column} FROM inserted i) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'tenant % is %: its rows are being moved to %',
            fence.tenant_id, fence.state, fence.moved_to
            USING ERRCODE = '{FENCED_SQLSTATE}', DETAIL = fence.moved_to;
    END IF;
    RETURN NULL;
END $$;
"""


def bulk_insert_fence_statements(tables: dict[str, str]) -> list[str]:
    """Fenced `tables` (already with their row triggers) check inserts once per statement:
    the row trigger keeps updates and deletes, a statement trigger takes the inserts."""
    columns = sorted(set(tables.values()))
    return [
        *(insert_fence_function_ddl(column) for column in columns),
        *(
            statement
            for table, column in tables.items()
            for statement in (
                f"DROP TRIGGER {table}_tenant_fence ON {table}",
                fence_trigger_ddl(table, column, "UPDATE OR DELETE"),
                f"CREATE TRIGGER {table}_tenant_fence_inserts AFTER INSERT ON {table} "
                f"REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT "
                f"EXECUTE FUNCTION refuse_fenced_inserts_{column}()",
            )
        ),
    ]


def row_insert_fence_statements(tables: dict[str, str]) -> list[str]:
    """The reverse of `bulk_insert_fence_statements`: inserts checked row by row again."""
    columns = sorted(set(tables.values()))
    return [
        *(
            statement
            for table, column in tables.items()
            for statement in (
                f"DROP TRIGGER {table}_tenant_fence_inserts ON {table}",
                f"DROP TRIGGER {table}_tenant_fence ON {table}",
                fence_trigger_ddl(table, column),
            )
        ),
        *(f"DROP FUNCTION refuse_fenced_inserts_{column}()" for column in columns),
    ]


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
