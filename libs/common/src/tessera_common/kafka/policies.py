"""The policies every consumer of Tessera's topics follows, whatever runs it (the
choreography consumers' loop, the projector's Faust agents):

- a store that cannot be reached, or is contended, is transient: retry with backoff
  (0.1 s doubling to 5 s) for as long as it lasts, while the offsets wait;
- any other failure is the event's own: it goes to its topic's dead-letter twin, with the
  error and the consumer in its headers, so one bad event never blocks a partition;
- each consumer's lag per partition is one gauge, `tessera_consumer_lag_messages`.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
from aiokafka import TopicPartition
from prometheus_client import Gauge
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

from tessera_common.db.errors import ShardBusyError, TenantMovingError
from tessera_common.events.topics import dlq_of
from tessera_common.store_errors import is_unreachable

__all__ = [
    "dead_letter_headers",
    "dlq_of",
    "failure_text",
    "is_transient",
    "record_lag",
    "while_transient",
]

CONSUMER_LAG = Gauge(
    "tessera_consumer_lag_messages",
    "Messages between a consumer's position and the partition's end.",
    ["consumer", "topic", "partition"],
)
_ALSO_TRANSIENT = (
    asyncpg.PostgresConnectionError,
    # Contention, not bad data: e.g. a rebuild's switch-over locking the live tables.
    asyncpg.DeadlockDetectedError,
    asyncpg.LockNotAvailableError,
    RedisConnectionError,
    RedisTimeoutError,
    # Every pooled connection in use, or the tenant's rows fenced while they move.
    ShardBusyError,
    TenantMovingError,
)
MAX_ERROR_CHARACTERS = 2000


def is_transient(exc: BaseException) -> bool:
    """True when retrying later may succeed: an outage or contention, not the event's fault."""
    return is_unreachable(exc) or isinstance(exc, _ALSO_TRANSIENT)


def while_transient(on_retry: Callable[[RetryCallState], None]) -> AsyncRetrying:
    """Attempts that are retried while they fail transiently; any other failure is raised."""
    return AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=wait_exponential(multiplier=0.1, max=5),
        before_sleep=on_retry,
        reraise=True,
    )


def failure_text(exc: BaseException) -> str:
    """The error a dead letter carries: its type and message, bounded."""
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARACTERS]


def dead_letter_headers(error: str, consumer: str) -> dict[str, bytes]:
    """The headers of a dead letter: what went wrong, and which consumer gave up on it."""
    return {"error": error.encode(), "consumer": consumer.encode()}


def record_lag(consumer: str, partition: TopicPartition, lag: int) -> None:
    CONSUMER_LAG.labels(consumer, partition.topic, str(partition.partition)).set(max(lag, 0))
