"""The accounts service: `uvicorn accounts.main:create_app --factory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from accounts.bootstrap import bootstrap
from accounts.entrypoints import api_keys, tenants, users
from accounts.entrypoints.errors import install_domain_error_handler
from accounts.settings import AccountsSettings
from tessera_common.http.health import ReadinessCheck
from tessera_common.http.service_app import create_service_app
from tessera_common.idempotency.http import install_replay_handler
from tessera_common.observability.logging import configure_logging


def create_app(settings: AccountsSettings | None = None) -> FastAPI:
    settings = settings or AccountsSettings()
    configure_logging("accounts", settings.observability.log_level)
    accounts = bootstrap(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.accounts = accounts
        accounts.start()
        try:
            yield
        finally:
            await accounts.stop()

    shards: dict[str, ReadinessCheck] = {
        f"shard:{name}": partial(accounts.engines.ping, name) for name in accounts.engines.names
    }
    app = create_service_app(
        "accounts",
        lifespan=lifespan,
        readiness={"directory": accounts.directory.ping},
        degradable=shards,
        internal_token_secret=settings.auth.internal_token_secret.get_secret_value(),
    )
    install_domain_error_handler(app)
    install_replay_handler(app)
    for module in (tenants, users, api_keys):
        app.include_router(module.router)
    return app
