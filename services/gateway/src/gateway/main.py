"""The gateway: the only public entry. `uvicorn gateway.main:create_app --factory`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import ORJSONResponse
from starlette.types import Receive, Scope, Send

from gateway.auth import Authenticator
from gateway.docs import docs_router
from gateway.metering import CallMeter
from gateway.openapi import aggregate
from gateway.proxy import Proxy
from gateway.ratelimit import RateLimiter
from gateway.responses import KeptAnswers
from gateway.routes import ROUTES, RoutingTable
from gateway.settings import GatewaySettings
from gateway.status.router import status_router
from gateway.upstreams import UpstreamPool, UpstreamUnavailableError
from tessera_common.auth.internal_token import TokenSigner
from tessera_common.background import BackgroundTasks
from tessera_common.cache.invalidation import listen
from tessera_common.cache.l1 import L1Cache
from tessera_common.http.service_app import create_service_app
from tessera_common.observability.logging import configure_logging
from tessera_common.observability.metrics import initialise_error_series
from tessera_common.redis_client import GuardedRedis, create_redis, create_subscriber

log = structlog.get_logger()
PUBLIC_PREFIX = "/v1/"


class GatewayApp:
    """Public requests (`/v1/…`) go straight to the proxy, a plain ASGI handler; the rest
    (probes, metrics, status page, OpenAPI, docs) to a FastAPI app, which also runs the
    lifespan that builds the proxy."""

    def __init__(self, admin: FastAPI) -> None:
        self.admin = admin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        proxy = getattr(self.admin.state, "proxy", None)
        if (
            scope["type"] == "http"
            and proxy is not None
            and scope["path"].startswith(PUBLIC_PREFIX)
        ):
            await proxy(scope, receive, send)
        else:
            await self.admin(scope, receive, send)


def create_app(settings: GatewaySettings | None = None) -> GatewayApp:
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.observability.log_level)
    auth = settings.auth
    sign = TokenSigner(
        auth.internal_token_secret.get_secret_value(), auth.internal_token_ttl_seconds
    )
    redis = create_redis(settings.redis)
    initialise_error_series("gateway", ((route.method, route.template) for route in ROUTES))
    guarded = GuardedRedis(redis, "gateway")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pools = _pools(settings, sign)
        authenticator = Authenticator(
            auth.operator_key.get_secret_value(),
            guarded,
            pools["accounts"],
            settings.proxy.key_cache_ttl_seconds,
            settings.proxy.key_cache_size,
        )
        meter = CallMeter(guarded, settings.observability.service_instance, pools["usage"])
        kept: L1Cache[KeptAnswers] = L1Cache(
            settings.proxy.response_cache_size,
            settings.proxy.response_cache_ttl_seconds or 0.001,
            service="gateway",
            layer="responses",
        )
        subscriber = create_subscriber(settings.redis)
        app.state.pools = pools
        app.state.proxy = Proxy(
            RoutingTable(),
            pools,
            authenticator=authenticator,
            sign_token=sign,
            max_body_bytes=settings.proxy.max_body_bytes,
            limiter=RateLimiter(guarded, dict(settings.rate_limits.plans)),
            meter=meter,
            kept=kept,
        )
        loops = BackgroundTasks()
        loops.start(
            _check_health(pools, settings.resilience.health_interval_seconds),
            _flush_meter(meter, settings.metering.flush_interval_seconds),
            listen(subscriber, kept.evict, kept.clear),
        )
        try:
            yield
        finally:
            await loops.stop()
            with contextlib.suppress(Exception):  # a last flush: a clean stop leaves nothing
                await meter.flush()
            for pool in pools.values():
                await pool.aclose()
            await subscriber.aclose()
            await redis.aclose()

    async def redis_ready() -> None:
        await redis.ping()

    app = create_service_app(
        "gateway",
        lifespan=lifespan,
        readiness={},
        # Without Redis the gateway serves on its fallbacks (keys from accounts, limits and
        # meters in process): out of its balancer, it would serve nobody.
        degradable={"redis": redis_ready},
        internal_token_secret=auth.internal_token_secret.get_secret_value(),
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )

    app.include_router(status_router(settings.status, settings.proxy.upstreams, settings.redis))
    app.include_router(docs_router())

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> ORJSONResponse:
        """The public API: every routed operation of every upstream."""
        if getattr(app.state, "openapi", None) is None:
            app.state.openapi = await _aggregated_openapi(app.state.pools)
        return ORJSONResponse(app.state.openapi, headers={"Cache-Control": "public, s-maxage=60"})

    return GatewayApp(app)


def _pools(settings: GatewaySettings, sign: Any) -> dict[str, UpstreamPool]:
    proxy = settings.proxy
    return {
        name: UpstreamPool(
            name,
            urls,
            sign,
            timeout=aiohttp.ClientTimeout(
                total=proxy.upstream_timeouts.get(
                    name.split(".")[0], proxy.request_timeout_seconds
                ),
                connect=proxy.connect_timeout_seconds,
            ),
            resilience=settings.resilience,
        )
        for name, urls in proxy.upstreams.items()
    }


async def _aggregated_openapi(pools: dict[str, UpstreamPool]) -> dict[str, Any]:
    documents = {}
    for name in {route.pool for route in ROUTES}:
        response = await pools[name].send(
            "GET", "/openapi.json", query=b"", headers={}, body=b"", idempotent=True
        )
        if response.status != 200:
            raise UpstreamUnavailableError(name, f"its OpenAPI answered {response.status}")
        documents[name] = response.json()
    return aggregate(documents, ROUTES)


async def _check_health(pools: dict[str, UpstreamPool], interval: float) -> None:
    """Active health checks: every instance's /readyz, forever."""
    while True:
        probes = [pool.probe(i) for pool in pools.values() for i in pool.instances]
        await asyncio.gather(*probes)
        await asyncio.sleep(interval)


async def _flush_meter(meter: CallMeter, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await meter.flush()
        except Exception:  # the counts stay in Redis for the next flush
            log.exception("metering flush failed")
