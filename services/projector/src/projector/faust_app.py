"""The Faust worker: one thin agent per topic around the pure projections."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any

import faust
import structlog
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest

from projector.commits import GroupCommits
from projector.positions import PositionGuard
from projector.progress import Progress
from projector.projector import PROJECTIONS, Projected, Projector, Rejected, triage
from projector.resilience import apply_resiliently, until_stores_answer
from projector.settings import ProjectorSettings, WorkerSettings
from projector.stores.positions import PositionStore
from projector.stores.postgres import PostgresReadStore
from projector.stores.redis import RedisReadStore
from projector.tracing import traced_apply
from projector.watchdog import Watchdog
from tessera_common.db.urls import asyncpg_dsn
from tessera_common.kafka.lag import GroupLag
from tessera_common.kafka.policies import dead_letter_headers, dlq_of
from tessera_common.redis_client import create_redis

log = structlog.get_logger(__name__)

DEAD_LETTERS = Counter(
    "tessera_projector_dead_letters_total", "Events sent to a dead-letter topic.", ["topic"]
)


class Resources:
    """Read-model stores, opened once inside the worker's event loop."""

    def __init__(self, settings: ProjectorSettings) -> None:
        self._settings = settings
        self._lock = asyncio.Lock()
        self._projector: Projector | None = None

    async def projector(self) -> Projector:
        async with self._lock:
            if self._projector is None:
                postgres = await PostgresReadStore.connect(
                    asyncpg_dsn(self._settings.read_db.url), self._settings.read_db.pool_size
                )
                redis = RedisReadStore(create_redis(self._settings.redis))
                self._projector = Projector(postgres, redis)
        return self._projector

    async def close(self) -> None:
        if self._projector is not None:
            await self._projector.postgres.close()
            await self._projector.redis.close()


def create_faust_app(settings: ProjectorSettings) -> faust.App:
    worker = settings.worker
    app = faust.App(
        worker.group_id,
        broker=f"kafka://{settings.kafka.bootstrap_servers}",
        value_serializer="raw",
        key_serializer="raw",
        topic_replication_factor=settings.kafka.replication_factor,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        web_host=worker.web_host,
        web_bind=worker.web_host,  # Faust would listen on every address otherwise
        web_port=worker.web_port,
        web_in_thread=False,
        store="memory://",
        datadir=worker.data_dir,
        producer_acks=-1,
        broker_session_timeout=worker.session_timeout_seconds,
        # A rebalance does not wait for the events handed to an agent: offsets follow what
        # the agents applied (projector.commits), and what was not applied comes again.
        stream_wait_empty=False,
    )
    resources = Resources(settings)
    app.resources = resources  # type: ignore[attr-defined]
    progress = Progress()

    async def apply(topic: str, batch: Sequence[Projected]) -> None:
        projector = await resources.projector()  # connects on first use, retried like a write
        await projector.apply(topic, batch)

    async def positions() -> PositionStore:
        return (await resources.projector()).postgres.positions

    commits = GroupCommits(app)
    app.commits = commits  # type: ignore[attr-defined]  # run by the worker (__main__)

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def forget_revoked(sender: object, revoked: set[Any], **_: Any) -> None:
        commits.forget(revoked)

    for topic in PROJECTIONS:
        guard = PositionGuard(topic, positions)
        _add_projection_agent(
            app, topic, worker, apply, guard=guard, progress=progress, commits=commits
        )
    # Started by the worker process itself (projector.__main__), before its first rebalance.
    lag = GroupLag(settings.kafka, worker.group_id, list(PROJECTIONS))
    app.watchdog = Watchdog(app, lag, progress, worker)  # type: ignore[attr-defined]

    _add_health_pages(app, resources, progress, worker)
    return app


Apply = Callable[[str, Sequence[Projected]], Awaitable[None]]


def _add_projection_agent(
    app: faust.App,
    topic: str,
    worker: WorkerSettings,
    apply: Apply,
    *,
    guard: PositionGuard,
    progress: Progress,
    commits: GroupCommits,
) -> None:
    """One agent per topic: batches held to the projector's positions, poison to
    `<topic>.dlq`, the rest to the stores."""
    # Offsets are committed from what the agents applied (projector.commits), not acked.
    source = app.topic(topic, value_type=bytes, key_type=bytes, allow_empty=True, acks=False)
    dead_letters = app.topic(dlq_of(topic), value_type=bytes, key_type=bytes)
    DEAD_LETTERS.labels(topic)  # a zero series from the start: increase() sees the first one

    async def dead_letter(poison: Rejected) -> None:
        log.warning("dead_letter", topic=topic, error=poison.error)
        headers = dead_letter_headers(poison.error, worker.group_id)
        await dead_letters.send(value=poison.raw, headers=headers)
        DEAD_LETTERS.labels(topic).inc()

    async def rewind(offsets: Mapping[Any, int]) -> None:
        try:
            await app.consumer.seek_wait(offsets)
        except Exception as exc:  # given away meanwhile: its new owner holds it to the position
            log.warning("projection_rewind_failed", topic=topic, error=repr(exc))

    async def project(stream: faust.StreamT[bytes]) -> None:
        async for batch in stream.take_events(  # type: ignore[attr-defined]
            worker.batch_size, within=worker.batch_window_seconds
        ):
            with progress.applying():
                admitted = await until_stores_answer(
                    partial(guard.admit, batch, rewind), worker.apply_timeout_seconds
                )
                projected, rejected = triage(topic, [e.value for e in admitted])
                for poison in rejected:
                    await dead_letter(poison)
                with traced_apply(topic, [e.headers for e in admitted]):
                    await apply_resiliently(
                        partial(apply, topic), projected, dead_letter,
                        worker.apply_timeout_seconds,
                    )  # fmt: skip
                positions = await until_stores_answer(
                    partial(guard.advance, admitted), worker.apply_timeout_seconds
                )
                for tp, next_offset in positions.items():
                    commits.applied(tp, next_offset)

    app.agent(source, name=f"project-{topic}", concurrency=1)(project)


def _add_health_pages(
    app: faust.App, resources: Resources, progress: Progress, worker: WorkerSettings
) -> None:
    @app.page("/healthz")
    class Healthz(View):
        async def get(self, request: Request) -> Response:
            return self.json({"status": "ok"})

    @app.page("/readyz")
    class Readyz(View):
        async def get(self, request: Request) -> Response:
            components: dict[str, Any] = {}
            try:
                projector = await resources.projector()
                await projector.postgres.ping()
                components["read-db"] = "up"
                await projector.redis.ping()
                components["redis"] = "up"
            except Exception as exc:
                components["error"] = f"{type(exc).__name__}: {exc}"
                return self.json({"status": "not-ready", "components": components}, status=503)
            # Reachable stores are not enough: a worker that moves no offset serves nobody.
            stall = progress.stalled_for(worker.stall_seconds)
            if stall is not None:
                components["progress"] = f"stalled: {stall.reason} for {stall.seconds:.0f}s"
                return self.json({"status": "not-ready", "components": components}, status=503)
            components["progress"] = "moving"
            return self.json({"status": "ready", "components": components})

    @app.page("/metrics")
    class Metrics(View):
        async def get(self, request: Request) -> Response:
            # aiohttp takes the charset apart from the media type.
            media_type, _, charset = CONTENT_TYPE_LATEST.partition("; charset=")
            response = self.bytes(generate_latest(), content_type=media_type)
            response.charset = charset or "utf-8"  # type: ignore[misc]  # settable on aiohttp
            return response
