"""The usage service: `uvicorn usage.main:create_app --factory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from tessera_common.http.domain_problems import install_shared_domain_errors
from tessera_common.http.service_app import create_service_app
from tessera_common.idempotency.http import install_replay_handler
from tessera_common.observability.logging import configure_logging
from usage.bootstrap import bootstrap
from usage.entrypoints import api, metered
from usage.settings import UsageSettings


def create_app(settings: UsageSettings | None = None) -> FastAPI:
    settings = settings or UsageSettings()
    configure_logging("usage", settings.observability.log_level)
    usage = bootstrap(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.usage = usage
        usage.start()
        try:
            yield
        finally:
            await usage.stop()

    app = create_service_app(
        "usage",
        lifespan=lifespan,
        readiness={},
        degradable={f"shard:{n}": partial(usage.engines.ping, n) for n in usage.engines.names},
        internal_token_secret=settings.auth.internal_token_secret.get_secret_value(),
    )
    install_shared_domain_errors(app)
    install_replay_handler(app)
    app.include_router(api.router)
    app.include_router(metered.router)
    return app
