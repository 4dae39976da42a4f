"""The projector's own position per topic partition, in the read DB (see projector.positions)."""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg

_NEXT_OFFSETS = "SELECT partition, next_offset FROM projection_positions WHERE topic = $1"
# Only forward: two workers briefly sharing a partition in a rebalance never move it back.
_ADVANCE = """
INSERT INTO projection_positions (topic, partition, next_offset) VALUES ($1, $2, $3)
ON CONFLICT (topic, partition) DO UPDATE
SET next_offset = GREATEST(projection_positions.next_offset, EXCLUDED.next_offset)
"""


class PositionStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def next_offsets(self, topic: str) -> dict[int, int]:
        """Per partition of `topic`, the first offset not yet in the read models."""
        rows = await self._pool.fetch(_NEXT_OFFSETS, topic)
        return {row["partition"]: row["next_offset"] for row in rows}

    async def advance(self, topic: str, next_offsets: Mapping[int, int]) -> None:
        await self._pool.executemany(
            _ADVANCE, [(topic, partition, offset) for partition, offset in next_offsets.items()]
        )
