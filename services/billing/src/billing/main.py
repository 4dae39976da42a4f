"""The billing service: health, readiness and metrics so far; its commands come next."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from billing.settings import DATABASE, BillingSettings
from tessera_common.db.engines import ShardEngines
from tessera_common.http.service_app import create_service_app
from tessera_common.observability.logging import configure_logging


def create_app(settings: BillingSettings | None = None) -> FastAPI:
    settings = settings or BillingSettings()
    configure_logging("billing", settings.observability.log_level)
    engines = ShardEngines.connect(settings.shards, DATABASE)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engines.dispose()

    return create_service_app(
        "billing",
        lifespan=lifespan,
        readiness={},
        degradable={f"shard:{name}": partial(engines.ping, name) for name in engines.names},
        internal_token_secret=settings.auth.internal_token_secret.get_secret_value(),
    )
