"""Alembic environment (see tessera_common.db.alembic_env)."""

from tessera_common.db.alembic_env import run_migrations

run_migrations()
