"""API calls counted in process while Redis does not answer, and sent on like Redis' buckets.

A flush seals what was counted under a sequence of this process (with a boot id, so a
restarted process never reuses one) and sends it; what the usage service has not taken
stays sealed and goes again under the same sequence, so the same event id: a resend is a
duplicate, never a second count. Loss window: the calls a gateway counted here, if it
dies before Redis or the usage service answers again.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SealedCount:
    tenant: str
    region: str
    bucket: int
    calls: int
    sequence: str  # names the flush: with the rest, the record's event id


class LocalCallCounts:
    def __init__(self) -> None:
        self._boot = uuid.uuid4().hex
        self._flushes = 0
        self._open: Counter[tuple[str, str, int]] = Counter()
        self._sealed: list[SealedCount] = []

    def count(self, tenant: str, region: str, bucket: int) -> None:
        self._open[(tenant, region, bucket)] += 1

    async def flush(self, send: Callable[[list[SealedCount]], Awaitable[bool]]) -> int:
        """Seal the open counts and send every sealed one; the calls delivered."""
        if self._open:  # sealed before any await: no count lands between the two
            self._flushes += 1
            sequence = f"local.{self._boot}.{self._flushes}"
            self._sealed += [
                SealedCount(tenant, region, bucket, calls, sequence)
                for (tenant, region, bucket), calls in self._open.items()
            ]
            self._open.clear()
        if not self._sealed:
            return 0
        sending, self._sealed = self._sealed, []
        if not await send(sending):  # all of it goes again next time, under the same ids
            self._sealed = sending + self._sealed
            return 0
        return sum(sealed.calls for sealed in sending)
