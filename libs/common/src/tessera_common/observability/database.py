"""Time every database statement into `tessera_db_query_duration_seconds{service,shard}`."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from prometheus_client import Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera_common.observability.buckets import LATENCY_BUCKETS

DB_QUERY_DURATION = Histogram(
    "tessera_db_query_duration_seconds",
    "Time of one database statement, by service and shard (or read, directory).",
    ["service", "shard"],
    buckets=LATENCY_BUCKETS,
)

_STARTED = "_tessera_query_started"


def time_engine_queries(engine: AsyncEngine, service: str, shard: str) -> None:
    """Observe each cursor execution of a SQLAlchemy engine (hooks on its sync core)."""
    histogram = DB_QUERY_DURATION.labels(service, shard)

    def started(*args: Any) -> None:
        context = args[4]
        setattr(context, _STARTED, time.perf_counter())

    def finished(*args: Any) -> None:
        began = getattr(args[4], _STARTED, None)
        if began is not None:
            histogram.observe(time.perf_counter() - began)

    event.listen(engine.sync_engine, "before_cursor_execute", started)
    event.listen(engine.sync_engine, "after_cursor_execute", finished)


def timed_connection(service: str, shard: str) -> Callable[[asyncpg.Connection], Awaitable[None]]:
    """An asyncpg pool `init` that observes every query of each new connection."""
    histogram = DB_QUERY_DURATION.labels(service, shard)

    def observe(query: Any) -> None:
        histogram.observe(query.elapsed)

    async def init(connection: asyncpg.Connection) -> None:
        connection.add_query_logger(observe)

    return init
