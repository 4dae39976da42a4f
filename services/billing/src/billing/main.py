"""The billing service: `uvicorn billing.main:create_app --factory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from billing.bootstrap import bootstrap
from billing.entrypoints import invoices, subscriptions
from billing.entrypoints.errors import install_domain_error_handler
from billing.settings import BillingSettings
from tessera_common.http.service_app import create_service_app
from tessera_common.idempotency.http import install_replay_handler
from tessera_common.observability.logging import configure_logging


def create_app(settings: BillingSettings | None = None) -> FastAPI:
    settings = settings or BillingSettings()
    configure_logging("billing", settings.observability.log_level)
    billing = bootstrap(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.billing = billing
        billing.start()
        try:
            yield
        finally:
            await billing.stop()

    app = create_service_app(
        "billing",
        lifespan=lifespan,
        readiness={},
        degradable={f"shard:{n}": partial(billing.engines.ping, n) for n in billing.engines.names},
        internal_token_secret=settings.auth.internal_token_secret.get_secret_value(),
    )
    install_domain_error_handler(app)
    install_replay_handler(app)
    app.include_router(subscriptions.router)
    app.include_router(invoices.router)
    return app
