"""The long-running loops of a process (relays, consumers, scans), started and stopped as one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog

log = structlog.get_logger(__name__)


WARN_EVERY_SECONDS = 30.0


async def poll_forever(
    step: Callable[[], Awaitable[object]], interval_seconds: float, *, failure: str
) -> None:
    """`step` every `interval_seconds`; a failure is logged as `failure`, at most every 30 s
    (a dependency that is down fails every poll), and the next poll tries again."""
    last_warning = -WARN_EVERY_SECONDS
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if time.monotonic() - last_warning >= WARN_EVERY_SECONDS:
                last_warning = time.monotonic()
                log.warning(failure, error=repr(exc))
        await asyncio.sleep(interval_seconds)


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[Any]] = []

    def start(self, *loops: Coroutine[Any, Any, Any]) -> list[asyncio.Task[Any]]:
        started = [asyncio.create_task(loop) for loop in loops]
        self._tasks += started
        return started

    async def stop(self) -> None:
        """Cancel every loop and wait until each has finished."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
