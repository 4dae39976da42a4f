"""The query service: `uvicorn query.main:create_app --factory`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.middleware import Middleware

from query import directory, invoices, plans, reports, usage
from query.api import router
from query.fast_path import PROFILE_TEMPLATE, ProfileFastPath
from query.readers import ReadModels
from query.settings import QuerySettings
from tessera_common.cache.invalidation import listen
from tessera_common.cache.l1 import L1Cache
from tessera_common.catalog import price_book_json
from tessera_common.db.pools import keep_session
from tessera_common.db.urls import asyncpg_dsn
from tessera_common.http.domain_problems import install_domain_problems
from tessera_common.http.service_app import create_service_app
from tessera_common.observability.database import timed_connection
from tessera_common.observability.logging import configure_logging
from tessera_common.redis_client import GuardedRedis, create_redis, create_subscriber


def create_app(settings: QuerySettings | None = None) -> FastAPI:
    settings = settings or QuerySettings()
    configure_logging("query", settings.observability.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(
            asyncpg_dsn(settings.read_db.url),
            min_size=1,
            max_size=settings.read_db.pool_size,
            init=timed_connection("query", "read"),
            reset=keep_session,
        )
        redis = create_redis(settings.redis)
        l1: L1Cache[dict[str, Any]] = L1Cache(
            settings.consistency.l1_size, settings.consistency.l1_ttl_seconds, service="query"
        )
        app.state.read_models = ReadModels(pool, GuardedRedis(redis, "query"), l1)
        subscriber = create_subscriber(settings.redis)
        invalidations = asyncio.create_task(listen(subscriber, l1.evict, l1.clear))
        app.state.consistency_max_wait = settings.consistency.consistency_max_wait_seconds
        app.state.price_book = price_book_json()  # served as is, with its ETag
        app.state.catalog = reports.Catalog()
        try:
            yield
        finally:
            invalidations.cancel()
            await asyncio.gather(invalidations, return_exceptions=True)
            await subscriber.aclose()
            await pool.close()
            await redis.aclose()

    async def read_models_ready() -> None:
        await app.state.read_models.ping()

    async def l2_ready() -> None:
        await app.state.read_models.ping_l2()

    app = create_service_app(
        "query",
        lifespan=lifespan,
        readiness={"read-models": read_models_ready},
        degradable={"redis": l2_ready},  # without L2, the read DB serves every read
        internal_token_secret=settings.auth.internal_token_secret.get_secret_value(),
    )
    install_domain_problems(app)
    app.include_router(router)
    app.include_router(invoices.router)
    app.include_router(directory.router)
    app.include_router(plans.router)
    app.include_router(reports.router)
    app.include_router(usage.router)
    # Innermost, so the request frame (id, span, metrics) is around it too.
    app.user_middleware.append(
        Middleware(ProfileFastPath, route=_route(router, PROFILE_TEMPLATE), state=app.state)
    )
    return app


def _route(router: APIRouter, path: str) -> APIRoute:
    return next(r for r in router.routes if isinstance(r, APIRoute) and r.path == path)
