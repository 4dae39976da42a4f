"""The gateway: the only public entry. `uvicorn gateway.main:create_app --factory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import httpx
from fastapi import FastAPI, Request, Response

from gateway.auth import Authenticator
from gateway.proxy import Proxy
from gateway.routes import RoutingTable
from gateway.settings import GatewaySettings
from gateway.status.router import status_router
from gateway.upstreams import UpstreamPool
from tessera_common.auth.internal_token import sign_internal_token
from tessera_common.http.service_app import create_service_app
from tessera_common.observability.logging import configure_logging
from tessera_common.redis_client import create_redis

PROXIED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.observability.log_level)
    auth = settings.auth
    sign = partial(
        sign_internal_token,
        secret=auth.internal_token_secret.get_secret_value(),
        ttl_seconds=auth.internal_token_ttl_seconds,
    )
    timeout = httpx.Timeout(
        settings.proxy.request_timeout_seconds, connect=settings.proxy.connect_timeout_seconds
    )
    redis = create_redis(settings.redis)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pools = {
            name: UpstreamPool(name, instances, sign, timeout=timeout)
            for name, instances in settings.proxy.upstreams.items()
        }
        authenticator = Authenticator(
            auth.operator_key.get_secret_value(),
            redis,
            pools["accounts"],
            settings.proxy.key_cache_ttl_seconds,
            settings.proxy.key_cache_size,
        )
        app.state.proxy = Proxy(
            RoutingTable(), pools, authenticator, sign, settings.proxy.max_body_bytes
        )
        try:
            yield
        finally:
            for pool in pools.values():
                await pool.aclose()
            await redis.aclose()

    async def redis_ready() -> None:
        await redis.ping()

    app = create_service_app(
        "gateway",
        lifespan=lifespan,
        readiness={"redis": redis_ready},
        internal_token_secret=auth.internal_token_secret.get_secret_value(),
    )

    app.include_router(status_router(settings.status, settings.proxy.upstreams, settings.redis))

    @app.api_route("/v1/{path:path}", methods=PROXIED_METHODS, include_in_schema=False)
    async def proxy(request: Request) -> Response:
        return await app.state.proxy.handle(request)  # type: ignore[no-any-return]

    return app
