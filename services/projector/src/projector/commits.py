"""The group's committed offsets follow what the agents applied, not Faust's acknowledgements.

Faust commits an offset once every stream that was handed the event has acknowledged it.
usage.events feeds two agents, and a rebalance that clears one agent's buffer leaves the
events it held counted as unacknowledged for ever: the partition's offset never moves
again, and the worker had to restart itself to go on. So the source topics are declared
without acknowledgements, each agent reports the offset it has applied up to, and this
commits, per partition, the lowest of them: nothing an agent has not applied is ever
committed, and nothing waits on an event no agent holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import faust
import structlog

log = structlog.get_logger(__name__)


class GroupCommits:
    def __init__(self, app: faust.App, agents_of_topic: dict[str, set[str]]) -> None:
        self._app = app
        self._agents_of_topic = agents_of_topic
        self._applied: dict[str, dict[Any, int]] = {}  # agent -> tp -> next offset
        self._committed: dict[Any, int] = {}

    def applied(self, agent: str, tp: Any, next_offset: int) -> None:
        """`agent` has applied every event of `tp` before `next_offset`."""
        mine = self._applied.setdefault(agent, {})
        mine[tp] = max(mine.get(tp, 0), next_offset)

    def forget(self, tps: Iterable[Any]) -> None:
        """Partitions given away: whoever owns them next commits them."""
        for tp in tps:
            for mine in self._applied.values():
                mine.pop(tp, None)
            self._committed.pop(tp, None)

    def due(self, assigned: Iterable[Any]) -> dict[Any, int]:
        """Per assigned partition that every agent of its topic has reported on, the lowest
        offset they applied up to, where it moved since the last commit."""
        offsets = {}
        for tp in assigned:
            agents = self._agents_of_topic.get(tp.topic)
            if not agents:
                continue
            reported = [self._applied.get(agent, {}).get(tp) for agent in agents]
            if None in reported:
                continue  # an agent has not applied anything of it yet
            lowest = min(offset for offset in reported if offset is not None)
            if lowest > self._committed.get(tp, -1):
                offsets[tp] = lowest
        return offsets

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
