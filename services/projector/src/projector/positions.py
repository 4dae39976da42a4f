"""Where each partition's projection stands, kept in the read DB beside the read models.

Faust commits a partition's offset once its events are acknowledged, and around a rebalance
it can acknowledge events that no agent applied: an event fetched before the rebalance is
skipped *and* acknowledged, and a jump in offsets is taken for a hole in the log. An event
the group's offset has passed is never delivered again; that is how a worker killed beside
another once cost the read models a user. So the projector keeps its own position per
partition, written once a batch is applied (never ahead of the read models), and holds
every batch to it: an event past the position means those between were skipped, and the
partition reads again from the position. Events before it are redeliveries, applied again
as every projection allows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import structlog
from prometheus_client import Counter

from projector.stores.positions import PositionStore

log = structlog.get_logger(__name__)

REWINDS = Counter(
    "tessera_projector_rewinds_total",
    "Partitions read again from the projector's own position: events delivered past it "
    "(skipped around a rebalance) were held back.",
    ["topic"],
)


class Message(Protocol):
    @property
    def tp(self) -> Any: ...  # Faust's TP: a (topic, partition) named tuple

    @property
    def offset(self) -> int: ...


class Delivered(Protocol):
    @property
    def message(self) -> Message: ...


D = TypeVar("D", bound=Delivered)


@dataclass
class Admission:
    """A batch held to the positions: the events to apply, and where to read again."""

    kept: list[int] = field(default_factory=list)  # indices into the batch, in order
    rewinds: dict[Any, int] = field(default_factory=dict)  # tp -> offset to read from


def admit(delivered: Sequence[tuple[Any, int]], expected: Mapping[Any, int]) -> Admission:
    """Keep each partition's events up to the first one past its expected next offset;
    from there, that partition must be read again (pure: the positions are given)."""
    admission = Admission()
    following = dict(expected)
    for index, (tp, offset) in enumerate(delivered):
        if tp in admission.rewinds:
            continue  # past a hole: everything after it comes again
        wanted = following.get(tp)
        if wanted is not None and offset > wanted:
            admission.rewinds[tp] = wanted
            continue
        admission.kept.append(index)
        following[tp] = max(wanted or 0, offset + 1)
    return admission


Rewind = Callable[[Mapping[Any, int]], Awaitable[None]]


class PositionGuard:
    """One topic's positions: `admit` a batch before applying it, `advance` after."""

    def __init__(self, topic: str, store: Callable[[], Awaitable[PositionStore]]) -> None:
        self._topic = topic
        self._store = store
        self._known: dict[int, int] = {}  # partition -> next offset, as last written here

    async def admit(self, batch: Sequence[D], rewind: Rewind) -> list[D]:
        delivered = [(e.message.tp, e.message.offset) for e in batch]
        firsts: dict[Any, int] = {}
        for tp, offset in delivered:
            firsts.setdefault(tp, offset)
        # What this worker wrote last is a floor of the stored position (another worker
        # may have moved it since): only an event past it needs the store's word.
        if any(self._known.get(tp.partition, -1) < offset for tp, offset in firsts.items()):
            stored = await (await self._store()).next_offsets(self._topic)
            self._known.update(stored)
        expected = {tp: self._known[tp.partition] for tp in firsts if tp.partition in self._known}
        admission = admit(delivered, expected)
        if admission.rewinds:
            REWINDS.labels(self._topic).inc(len(admission.rewinds))
            log.warning(
                "projection_rewound",
                topic=self._topic,
                partitions={tp.partition: offset for tp, offset in admission.rewinds.items()},
            )
            await rewind(admission.rewinds)
        return [batch[index] for index in admission.kept]

    async def advance(self, applied: Sequence[Delivered]) -> dict[Any, int]:
        """Record that every event of `applied` is in the read models; per partition, the
        offset that follows them."""
        following: dict[Any, int] = {}
        for event in applied:
            tp = event.message.tp
            following[tp] = max(following.get(tp, 0), event.message.offset + 1)
        if following:
            partitions = {tp.partition: offset for tp, offset in following.items()}
            await (await self._store()).advance(self._topic, partitions)
            for partition, offset in partitions.items():
                self._known[partition] = max(self._known.get(partition, 0), offset)
        return following
