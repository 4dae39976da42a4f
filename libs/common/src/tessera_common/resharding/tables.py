"""A service database's tenant tables, as its migrations declared them: each table with a
tenant fence trigger (tessera_common.db.fences), its tenant column and its primary key."""

from __future__ import annotations

import graphlib
from dataclasses import dataclass

import asyncpg

# The fence trigger's function names the tenant column: refuse_fenced_<column>.
_TENANT_TABLES = """
SELECT c.relname AS table_name,
       substring(p.proname FROM 'refuse_fenced_(.*)') AS tenant_column,
       array_agg(a.attname ORDER BY k.ord) AS key_columns,
       array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY k.ord) AS key_types
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
WHERE t.tgname = c.relname || '_tenant_fence' AND NOT t.tgisinternal
GROUP BY c.relname, p.proname
ORDER BY c.relname
"""


@dataclass(frozen=True)
class TenantTable:
    name: str
    tenant_column: str
    key_columns: tuple[str, ...]
    key_types: tuple[str, ...]

    @property
    def keys(self) -> str:
        return ", ".join(self.key_columns)

    def where_tenant(self) -> str:
        return f"{self.tenant_column} = $1"

    def where_keys(self) -> str:
        """The tenant's rows ($1) whose keys are in the arrays $2, $3, … (one per key column)."""
        arrays = ", ".join(f"${n + 2}::{t}[]" for n, t in enumerate(self.key_types))
        return f"{self.where_tenant()} AND ({self.keys}) IN (SELECT * FROM unnest({arrays}))"


# Which table references which: a parent's rows are copied before its children's.
_REFERENCES = """
SELECT c.relname AS child, p.relname AS parent
FROM pg_constraint f
JOIN pg_class c ON c.oid = f.conrelid
JOIN pg_class p ON p.oid = f.confrelid
WHERE f.contype = 'f' AND f.conrelid <> f.confrelid AND f.conparentid = 0
"""


async def tenant_tables(conn: asyncpg.Connection) -> list[TenantTable]:
    """The tenant tables, each after every table it references."""
    rows = await conn.fetch(_TENANT_TABLES)
    parents: dict[str, set[str]] = {}
    for reference in await conn.fetch(_REFERENCES):
        parents.setdefault(reference["child"], set()).add(reference["parent"])
    tables = {
        row["table_name"]: TenantTable(
            row["table_name"],
            row["tenant_column"],
            tuple(row["key_columns"]),
            tuple(row["key_types"]),
        )
        for row in rows
    }
    order = graphlib.TopologicalSorter(
        {name: parents.get(name, set()) & tables.keys() for name in tables}
    )
    return [tables[name] for name in order.static_order()]
