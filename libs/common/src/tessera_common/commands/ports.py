"""What every command handler may ask for, whatever its service."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

Clock = Callable[[], datetime]


class UnitOfWork(Protocol):
    """A handler opens its unit of work on the shard that holds what it changes; the runner
    commits it once the handler has returned."""

    async def open(self, shard: str) -> None: ...

    @property
    def first_deliveries(self) -> frozenset[uuid.UUID]:
        """In a reaction, the events it answers that take effect for the first time."""
