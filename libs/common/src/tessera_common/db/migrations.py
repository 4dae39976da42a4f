"""Alembic, driven from code: create a database if missing, then upgrade it to head."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from tessera_common.db.urls import asyncpg_dsn, sqlalchemy_async_url, with_database


async def ensure_database(url: str) -> bool:
    """Create the database `url` names unless it exists; True when it was created."""
    name = make_url(url).database
    if not name:
        raise ValueError(f"no database in {make_url(url).render_as_string()}")
    conn = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")), timeout=5)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        await conn.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await conn.close()


def upgrade(script_location: Path, url: str) -> None:
    asyncio.run(ensure_database(url))
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", sqlalchemy_async_url(url).replace("%", "%%"))
    command.upgrade(config, "head")
