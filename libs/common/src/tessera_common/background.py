"""The long-running loops of a process (relays, consumers, scans), started and stopped as one."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


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
