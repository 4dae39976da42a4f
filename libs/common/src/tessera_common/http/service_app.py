"""The skeleton every HTTP service shares: errors, request ids, metrics, health, caller."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Security
from fastapi.security import APIKeyHeader
from fastapi.telemetry import TelemetryConfig
from starlette.types import ASGIApp

from tessera_common.auth.internal_token import (
    HEADER,
    Caller,
    InvalidInternalTokenError,
    TokenVerifier,
)
from tessera_common.http.health import ReadinessCheck, health_router
from tessera_common.http.openapi import install_problem_openapi
from tessera_common.http.request_context import RequestContextMiddleware
from tessera_common.observability.metrics import initialise_route_series
from tessera_common.observability.tracing import configure_tracing
from tessera_common.problems import Problem, install_problem_handlers, not_found

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]
NO_FRAMEWORK_TELEMETRY: TelemetryConfig = {
    "tracing": False, "metrics": False, "logs": False, "operation_spans": False,
}  # fmt: skip


def create_service_app(
    service: str,
    *,
    lifespan: Lifespan,
    readiness: Mapping[str, ReadinessCheck],
    internal_token_secret: str,
    degradable: Mapping[str, ReadinessCheck] | None = None,
    **fastapi_kwargs: Any,
) -> FastAPI:
    configure_tracing(service)

    @asynccontextmanager
    async def lifespan_with_series(app: FastAPI) -> AsyncIterator[Any]:
        initialise_route_series(service, app.routes)  # every route is known by now
        async with lifespan(app) as state:
            yield state

    app = FastAPI(
        title=f"Tessera {service}",
        lifespan=lifespan_with_series,
        # RequestContextMiddleware makes the server span and the metrics; FastAPI's own
        # telemetry would add spans per dependency and serialization step, and its cost.
        telemetry=NO_FRAMEWORK_TELEMETRY,
        **fastapi_kwargs,
    )
    app.state.internal_tokens = tokens = TokenVerifier(internal_token_secret)
    install_problem_handlers(app)
    install_problem_openapi(app)
    _outermost(app, partial(RequestContextMiddleware, service=service, tokens=tokens))
    app.include_router(health_router(readiness, degradable))
    return app


def _outermost(app: FastAPI, middleware: Callable[[ASGIApp], ASGIApp]) -> None:
    """Around Starlette's own error middleware, unlike `add_middleware`: an unhandled error is
    logged and answered in there, and its log line and 500 must carry the request id too."""
    build = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        return middleware(build())

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


# Declared in OpenAPI, so the contract says what every upstream operation requires.
INTERNAL_TOKEN = APIKeyHeader(
    name=HEADER,
    scheme_name="internalToken",
    description="The gateway's signed token (HS256, short-lived)",
    auto_error=False,
)


# Dependencies are coroutines: FastAPI runs a plain `def` dependency in a thread pool.
async def current_caller(
    request: Request, token: Annotated[str | None, Security(INTERNAL_TOKEN)]
) -> Caller:
    """The caller named by the gateway's internal token; 401 without a valid one."""
    try:
        caller: Caller = request.app.state.internal_tokens(token)
        return caller
    except InvalidInternalTokenError as exc:
        raise Problem(
            401, "unauthenticated", "Missing or invalid internal token", str(exc)
        ) from exc


CallerDep = Annotated[Caller, Depends(current_caller)]


async def tenant_in_scope(tenant_id: uuid.UUID, caller: CallerDep) -> uuid.UUID:
    """The tenant in the path, if the caller may act for it; else 404, not 403: no hint."""
    if not caller.may_access(tenant_id):
        raise not_found("Tenant")
    return tenant_id


TenantIdDep = Annotated[uuid.UUID, Depends(tenant_in_scope)]


async def require_operator(caller: CallerDep) -> Caller:
    if not caller.operator:
        raise Problem(403, "forbidden", "Operator only", "this action needs the operator key")
    return caller


OperatorDep = Annotated[Caller, Depends(require_operator)]
