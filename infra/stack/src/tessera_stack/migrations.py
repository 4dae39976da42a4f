"""Every service's schema, checked by its Alembic revision before anything runs.

`up` runs a service's migrations only when one of its databases is missing or behind its
scripts' head: a stack that is already at head starts its services at once. The heads are
read from the revision files' source (`revision`, `down_revision`), not by importing them:
importing pulls in each service's code, which takes seconds.
"""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_stack.layout import REPO_ROOT, StackLayout
from tessera_stack.progress import step

SERVICES_DIR = REPO_ROOT / "services"


@dataclass(frozen=True)
class Schema:
    module: str  # `python -m <module>` brings it to head
    scripts: Path  # the Alembic script directory
    database: str
    on_shards: bool  # on every shard server, else on the read server


SCHEMAS = (
    Schema("accounts.migrate", SERVICES_DIR / "accounts/migrations/shards", "accounts", True),
    Schema("accounts.migrate", SERVICES_DIR / "accounts/migrations/directory", "directory", False),
    Schema("billing.migrate", SERVICES_DIR / "billing/migrations/shards", "billing", True),
    Schema("usage.migrate", SERVICES_DIR / "usage/migrations/shards", "usage", True),
    Schema("projector.migrate", SERVICES_DIR / "projector/migrations/read_models", "read_models",
           False),
)  # fmt: skip
MODULES = tuple(dict.fromkeys(schema.module for schema in SCHEMAS))


def heads(scripts: Path) -> set[str]:
    """The revisions no other revision builds on."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (scripts / "versions").glob("*.py"):
        found = _assignments(path)
        revisions.add(str(found["revision"]))
        down = found.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):  # a merge revision
            parents.update(str(parent) for parent in down)
    return revisions - parents


def _assignments(path: Path) -> dict[str, object]:
    tree = ast.parse(path.read_text(), str(path))
    return {
        target.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision")
    }


async def _current(url: str) -> set[str] | None:
    """The database's Alembic revisions; None when the database or its table is missing."""
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url), timeout=5)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        rows = await conn.fetch("SELECT version_num FROM alembic_version")
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await conn.close()
    return {row["version_num"] for row in rows}


async def _behind(layout: StackLayout) -> list[str]:
    checks = []
    for schema in SCHEMAS:
        servers = layout.shards if schema.on_shards else [layout.read_server]
        head = heads(schema.scripts)
        for server in servers:
            checks.append((schema.module, head, with_database(server.url, schema.database)))
    found = await asyncio.gather(*(_current(url) for _, _, url in checks))
    return list(dict.fromkeys(m for (m, head, _), now in zip(checks, found, strict=True)
                              if now != head))  # fmt: skip


def pending_migrations(layout: StackLayout) -> list[str]:
    """The migration modules with a database missing or not at its head."""
    return asyncio.run(_behind(layout))


def run_migrations(env: Mapping[str, str], modules: tuple[str, ...] = MODULES) -> None:
    """The given services' migrations, concurrently (they touch different databases)."""
    with step(f"migrations: {', '.join(m.split('.')[0] for m in modules)}"):
        running = {
            module: subprocess.Popen(
                [sys.executable, "-m", module],
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for module in modules
        }
        failed = {}
        for module, process in running.items():
            _, stderr = process.communicate()
            if process.returncode != 0:
                failed[module] = stderr[-2000:]
        if failed:
            raise RuntimeError(f"migrations failed: {failed}")
