"""What every command service's HTTP side shares: the app, the correlation id, and the one
dependency through which a route runs its command.

A route builds the command from the request, names how its result is answered, and
passes the request's Idempotency-Key guard where the route honours one:

    return await command.run(add_user, cmd, respond, guard=command.guard(body, tenant_id))
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import BaseModel

from tessera_common.auth.internal_token import Caller
from tessera_common.commands.runner import Handler, Respond
from tessera_common.commands.service import CommandService
from tessera_common.commands.unit_of_work import Origin
from tessera_common.db.errors import ShardUnavailableError
from tessera_common.http.domain_problems import ToProblem, install_domain_problems, no_own_problems
from tessera_common.http.idempotency import (
    as_response,
    idempotency_guard,
    install_idempotency_handlers,
)
from tessera_common.http.service_app import CallerDep, create_service_app
from tessera_common.idempotency.guard import IdempotencyGuard
from tessera_common.observability.logging import configure_logging
from tessera_common.problems import Problem, ProblemResponse, problem_response

R = TypeVar("R")


async def correlation_id(request: Request) -> uuid.UUID:
    """The request id when it is a UUID (so events correlate to it), else a new one."""
    try:
        return uuid.UUID(request.scope["state"]["request_id"])
    except (KeyError, ValueError):
        return uuid.uuid4()


CorrelationDep = Annotated[uuid.UUID, Depends(correlation_id)]


class CommandRequest:
    """One request's way to run a command: its service, its caller, its correlation id."""

    def __init__(
        self, service: CommandService[Any], request: Request, caller: Caller, correlation: uuid.UUID
    ) -> None:
        self.service = service
        self._request = request
        self._caller = caller
        self._correlation_id = correlation

    def guard(
        self, body: BaseModel | None, tenant_id: uuid.UUID | None = None
    ) -> IdempotencyGuard | None:
        """The request's Idempotency-Key guard (None without the header), recording which
        tenant the response is about (the caller's unless named)."""
        return idempotency_guard(
            self._request, self._caller, body, ttl=self.service.idempotency_ttl,
            cipher=self.service.response_cipher, tenant_id=tenant_id,
        )  # fmt: skip

    async def run(
        self,
        handler: Handler[R],
        cmd: object,
        respond: Respond[R],
        *,
        guard: IdempotencyGuard | None = None,
    ) -> Response:
        """Run the command; answer with `respond(result, events)`, also stored under `guard`."""
        origin = Origin(self._correlation_id, guard=guard)
        reply = await self.service.commands.run(handler, cmd, origin, respond)
        return as_response(respond(reply.result, reply.events))

    async def outcome(self, handler: Handler[R], cmd: object) -> R:
        """Run a command without an Idempotency-Key (or a query), for its result alone."""
        reply = await self.service.commands.run(handler, cmd, Origin(self._correlation_id))
        return reply.result


async def command_request(
    request: Request, caller: CallerDep, correlation: CorrelationDep
) -> CommandRequest:
    return CommandRequest(request.app.state.service, request, caller, correlation)


CommandDep = Annotated[CommandRequest, Depends(command_request)]


def shard_unavailable_problem(exc: ShardUnavailableError) -> Problem:
    return Problem(
        503, "shard-unavailable", "Shard unavailable",
        f"the database shard {exc.shard} holding this tenant {exc.reason}; retry later",
        headers={"Retry-After": str(exc.retry_after_seconds)}, shard=exc.shard,
    )  # fmt: skip


def create_command_app(
    service: CommandService[Any],
    routers: Sequence[APIRouter],
    to_problem: ToProblem = no_own_problems,
) -> FastAPI:
    """A command service's app: its lifespan runs the service's background loops."""
    configure_logging(service.name, service.settings.observability.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.service = service
        service.start()
        try:
            yield
        finally:
            await service.stop()

    app = create_service_app(
        service.name,
        lifespan=lifespan,
        readiness=service.readiness(),
        degradable=service.shard_checks(),
        internal_token_secret=service.settings.auth.internal_token_secret.get_secret_value(),
    )

    async def on_shard_unavailable(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, ShardUnavailableError)
        return problem_response(shard_unavailable_problem(exc), request.url.path)

    app.add_exception_handler(ShardUnavailableError, on_shard_unavailable)
    install_domain_problems(app, to_problem)
    install_idempotency_handlers(app)
    for router in routers:
        app.include_router(router)
    return app
