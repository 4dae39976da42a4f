"""The group's committed offsets follow what the agents applied, not Faust's acknowledgements.

Faust commits an offset once every stream handed the event has acknowledged it, and around
a rebalance its bookkeeping both skips and stalls: it acknowledged events no agent applied
(see projector.positions), and events it had handed to a buffer that the rebalance cleared
stayed unacknowledged for ever, so the partition's offset never moved again and the worker
had to restart itself to go on. So the source topics are declared without acknowledgements,
each agent reports the offset it has applied up to (after its position is written), and
the worker commits those: nothing unapplied is committed, and nothing waits on an event no
agent holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import faust
import structlog

log = structlog.get_logger(__name__)


class GroupCommits:
    def __init__(self, app: faust.App) -> None:
        self._app = app
        self._applied: dict[Any, int] = {}  # tp -> next offset
        self._committed: dict[Any, int] = {}

    def applied(self, tp: Any, next_offset: int) -> None:
        """Every event of `tp` before `next_offset` is in the read models."""
        self._applied[tp] = max(self._applied.get(tp, 0), next_offset)

    def forget(self, tps: Iterable[Any]) -> None:
        """Partitions given away: whoever owns them next commits them."""
        for tp in tps:
            self._applied.pop(tp, None)
            self._committed.pop(tp, None)

    def due(self, assigned: Iterable[Any]) -> dict[Any, int]:
        """Per assigned partition, the offset applied up to, where it moved since the last
        commit."""
        return {
            tp: self._applied[tp]
            for tp in assigned
            if tp in self._applied and self._applied[tp] > self._committed.get(tp, -1)
        }

    async def commit(self) -> None:
        offsets = self.due(self._app.consumer.assignment())
        if not offsets:
            return
        # Through the consumer's own thread, as Faust commits: only the group member that
        # owns a partition may move its offset, and only in the current generation.
        if await self._app.consumer._thread.commit(offsets):  # type: ignore[attr-defined]
            self._committed.update(offsets)

    async def run(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.commit()
            except Exception as exc:  # the next round tries again
                log.warning("offset_commit_failed", error=repr(exc))
