"""The rebuild: shadow copy, catch-up while live traffic goes on, then an atomic switch."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
import structlog
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random

from projector.read_models import ReadModel
from projector.rebuild.replay import Offsets, Replayed, TopicReplay
from projector.rebuild.shadow import create_shadow, drop_shadow, lock_live, switch_over
from projector.settings import ProjectorSettings
from projector.stores.postgres import PostgresReadStore
from tessera_common.db.urls import asyncpg_dsn

log = structlog.get_logger(__name__)

# Catch up outside the lock until at most this many events are left for the switch.
SWITCH_BACKLOG = 1_000
LOCK_TIMEOUT = "5s"  # how long the switch may hold live writers waiting for its lock

Progress = Callable[[int, int], None]  # (events done, events known so far)


@dataclass
class Rebuilt:
    events: int
    rejected: int
    switch_ms: float


class _Counter:
    def __init__(self, on_progress: Progress) -> None:
        self.done, self.total, self._report = 0, 0, on_progress

    def expect(self, more: int) -> None:
        self.total = self.done + more
        self._report(self.done, self.total)

    def advance(self, count: int) -> None:
        self.done += count
        self._report(self.done, max(self.total, self.done))


async def rebuild(
    settings: ProjectorSettings, model: ReadModel, on_progress: Progress = lambda *_: None
) -> Rebuilt:
    dsn = asyncpg_dsn(settings.read_db.url)
    admin = await asyncpg.connect(dsn)
    shadow = await PostgresReadStore.connect(dsn, 2, schema=model.shadow_schema)
    counter, replayed = _Counter(on_progress), Replayed()
    try:
        await create_shadow(admin, model)
        async with TopicReplay(settings.kafka, model.topic) as replay:
            while True:  # the topic grows while we read it: catch up in rounds
                until = await replay.end_offsets()
                behind = await replay.remaining(until)
                counter.expect(behind)
                if behind <= SWITCH_BACKLOG:
                    break
                # Counted once below rather than per batch: the shadow is read by no one yet.
                _add(
                    replayed,
                    await replay.apply_until(until, shadow, counter.advance, recount=False),
                )
            await shadow.recount_users()  # outside the switch's lock (which counts per batch)
            started = time.perf_counter()
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(_CONTENTION), stop=stop_after_attempt(10),
                wait=wait_random(0.05, 0.5), reraise=True,
            ):  # fmt: skip
                with attempt:
                    _add(replayed, await _switch(admin, model, replay, shadow, counter))
            switch_ms = (time.perf_counter() - started) * 1000
    except BaseException:
        await drop_shadow(admin, model)
        raise
    finally:
        await shadow.close()
        await admin.close()
    log.info("read_model_rebuilt", read_model=model.name, events=replayed.events)
    return Rebuilt(replayed.events, replayed.rejected, switch_ms)


_CONTENTION = (asyncpg.DeadlockDetectedError, asyncpg.LockNotAvailableError)


async def _switch(
    admin: asyncpg.Connection,
    model: ReadModel,
    replay: TopicReplay,
    shadow: PostgresReadStore,
    counter: _Counter,
) -> Replayed:
    """Hold live writers, apply what is left, swap the tables: one transaction."""
    async with admin.transaction():
        await admin.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        await lock_live(admin, model)
        until: Offsets = await replay.end_offsets()  # nothing more can reach the live tables
        counter.expect(await replay.remaining(until))
        rest = await replay.apply_until(until, shadow, counter.advance)
        await switch_over(admin, model)
    return rest


def _add(total: Replayed, more: Replayed) -> None:
    total.events += more.events
    total.rejected += more.rejected
