"""The skeleton every HTTP service shares: errors, request ids, metrics, health, caller."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Security
from fastapi.security import APIKeyHeader

from tessera_common.auth.internal_token import (
    HEADER,
    Caller,
    InvalidInternalTokenError,
    verify_internal_token,
)
from tessera_common.http.health import ReadinessCheck, health_router
from tessera_common.http.openapi import install_problem_openapi
from tessera_common.http.request_context import RequestIdMiddleware, TenantContextMiddleware
from tessera_common.observability.metrics import (
    RequestMetricsMiddleware,
    initialise_route_series,
)
from tessera_common.observability.tracing import configure_tracing, trace_app
from tessera_common.problems import Problem, install_problem_handlers, not_found

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]


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
        **fastapi_kwargs,
    )
    app.state.internal_token_secret = internal_token_secret
    install_problem_handlers(app)
    install_problem_openapi(app)
    app.add_middleware(RequestMetricsMiddleware, service=service)
    app.add_middleware(TenantContextMiddleware, internal_token_secret=internal_token_secret)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(health_router(readiness, degradable))
    trace_app(app)
    return app


# Declared in OpenAPI, so the contract says what every upstream operation requires.
INTERNAL_TOKEN = APIKeyHeader(
    name=HEADER,
    scheme_name="internalToken",
    description="The gateway's signed token (HS256, short-lived)",
    auto_error=False,
)


def current_caller(
    request: Request, token: Annotated[str | None, Security(INTERNAL_TOKEN)]
) -> Caller:
    """The caller named by the gateway's internal token; 401 without a valid one."""
    try:
        return verify_internal_token(token, request.app.state.internal_token_secret)
    except InvalidInternalTokenError as exc:
        raise Problem(
            401, "unauthenticated", "Missing or invalid internal token", str(exc)
        ) from exc


CallerDep = Annotated[Caller, Depends(current_caller)]


def tenant_in_scope(tenant_id: uuid.UUID, caller: CallerDep) -> uuid.UUID:
    """The tenant in the path, if the caller may act for it; else 404, not 403: no hint."""
    if not caller.may_access(tenant_id):
        raise not_found("Tenant")
    return tenant_id


TenantIdDep = Annotated[uuid.UUID, Depends(tenant_in_scope)]


def require_operator(caller: CallerDep) -> Caller:
    if not caller.operator:
        raise Problem(403, "forbidden", "Operator only", "this action needs the operator key")
    return caller


OperatorDep = Annotated[Caller, Depends(require_operator)]
