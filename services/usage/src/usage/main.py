"""The usage service: health, readiness and metrics so far; its commands come next."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from tessera_common.db.engines import ShardEngines
from tessera_common.http.service_app import create_service_app
from tessera_common.observability.logging import configure_logging
from usage.settings import DATABASE, UsageSettings


def create_app(settings: UsageSettings | None = None) -> FastAPI:
    settings = settings or UsageSettings()
    configure_logging("usage", settings.observability.log_level)
    engines = ShardEngines.connect(settings.shards, DATABASE)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engines.dispose()

    return create_service_app(
        "usage",
        lifespan=lifespan,
        readiness={},
        degradable={f"shard:{name}": partial(engines.ping, name) for name in engines.names},
        internal_token_secret=settings.auth.internal_token_secret.get_secret_value(),
    )
