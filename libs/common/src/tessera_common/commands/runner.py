"""Running a command handler: in a unit of work of its own, with its dependencies by name.

A handler is `async def handle(cmd, uow, **dependencies) -> result`: it opens the unit
of work on a shard, changes aggregates and returns what its caller needs. The runner
commits after it returns, so saving, publishing and recording the response are never the
handler's to remember. Dependencies are matched by parameter name to what the service's
composition root provides, as cosmicpython's bootstrap injects them. A handler whose
pooled connection turned out closed before anything committed (the shard server restarted
since) runs once more, on a fresh connection.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, Generic, TypeVar

import structlog

from tessera_common.commands.unit_of_work import AlreadyAppliedError, CommandUnitOfWork, Origin
from tessera_common.db.errors import StaleConnectionError
from tessera_common.events.envelope import EventEnvelope
from tessera_common.idempotency.guard import StoredResponse

log = structlog.get_logger(__name__)
R = TypeVar("R")
Handler = Callable[..., Awaitable[R]]
# How a request's caller sees a command's result and the events it published.
Respond = Callable[[R, list[EventEnvelope]], StoredResponse]
UnitsOfWork = Callable[[Origin], CommandUnitOfWork]


@dataclass(frozen=True)
class Reply(Generic[R]):
    result: R
    events: list[EventEnvelope]


@cache
def _dependency_names(handler: Handler[Any]) -> tuple[str, ...]:
    return tuple(inspect.signature(handler).parameters)[2:]  # after the command and the uow


class CommandRunner:
    def __init__(self, units_of_work: UnitsOfWork, dependencies: Mapping[str, object]) -> None:
        self._units_of_work = units_of_work
        self._dependencies = dict(dependencies)

    async def run(
        self, handler: Handler[R], cmd: object, origin: Origin, respond: Respond[R] | None = None
    ) -> Reply[R]:
        """The handler's result and the events its transaction published."""
        arguments = self.arguments(handler)
        uow = self._units_of_work(origin)
        try:
            return await self._run_once(handler, cmd, uow, arguments, respond)
        except StaleConnectionError as stale:
            if uow.committed:  # a handler that committed a shard of its own already
                raise
            log.info("stale_connection_run_again", shard=stale.shard)
        return await self._run_once(handler, cmd, self._units_of_work(origin), arguments, respond)

    @staticmethod
    async def _run_once(
        handler: Handler[R],
        cmd: object,
        uow: CommandUnitOfWork,
        arguments: dict[str, object],
        respond: Respond[R] | None,
    ) -> Reply[R]:
        async with uow:
            result = await handler(cmd, uow, **arguments)
            events = await uow.commit(partial(respond, result) if respond else None)
        return Reply(result, events)

    async def react(self, handler: Handler[object], cmd: object, origin: Origin) -> None:
        """Run a reaction to an event, once: a redelivery finds it in the inbox and stops."""
        try:
            await self.run(handler, cmd, origin)
        except AlreadyAppliedError:
            return

    def arguments(self, handler: Handler[Any]) -> dict[str, object]:
        """What the handler asks for besides its command and unit of work, by name."""
        names = _dependency_names(handler)
        missing = [name for name in names if name not in self._dependencies]
        if missing:
            raise TypeError(f"{handler.__name__} needs {missing}: the composition root has none")
        return {name: self._dependencies[name] for name in names}
