"""Redis clients: one for commands, one per long-lived subscription; and a guard for the
callers that have a fallback when Redis does not answer."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from prometheus_client import Counter
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from tessera_common.settings import RedisSettings

T = TypeVar("T")
COMMAND_TIMEOUT_SECONDS = 2.0
log = structlog.get_logger(__name__)
REDIS_FALLBACKS = Counter(
    "tessera_redis_fallbacks_total",
    "Redis calls that fell back (Redis failed, or was skipped while it was out), by use.",
    ["service", "use"],
)


def create_redis(settings: RedisSettings) -> Redis:
    """A pooled client that retries a command once, at once, on a fresh connection: after a
    Redis restart every pooled connection is dead, and each would fail its next command. A
    longer retry would only hold requests while Redis is out, which callers handle.

    When every pooled connection is in use, a command waits for one (up to the command
    timeout) instead of failing at once: a burst that outruns the event loop would
    otherwise read as Redis being out, and send every request to its slower fallback."""
    pool = BlockingConnectionPool.from_url(
        settings.url,
        max_connections=settings.max_connections,
        timeout=COMMAND_TIMEOUT_SECONDS,
        socket_timeout=COMMAND_TIMEOUT_SECONDS,
        socket_connect_timeout=2,
        health_check_interval=5,
        retry=Retry(NoBackoff(), retries=1),
    )
    return Redis.from_pool(pool)


def create_subscriber(settings: RedisSettings) -> Redis:
    """No read timeout (a subscription is idle until something is published) and no health
    checks: a PING on a subscribed connection can swallow a published message."""
    return Redis.from_url(
        settings.url, socket_timeout=None, socket_connect_timeout=2, health_check_interval=0
    )


class RedisUnavailableError(Exception):
    """Redis did not answer, or was not asked because it had just failed."""


class GuardedRedis:
    """A Redis client for callers that have a fallback when Redis does not answer.

    A failed call raises RedisUnavailableError (counted, by use) and, for `pause` seconds,
    later calls raise it at once: while Redis is out (or unreachable, each attempt waiting
    for its timeout), requests take their fallback without waiting on it. The first call
    after the pause tries Redis again, so service comes back within `pause` of Redis.
    """

    def __init__(
        self,
        client: Redis,
        service: str,
        pause: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._service = service
        self._pause = pause
        self._clock = clock
        self._skip_until = float("-inf")
        self._out_since: float | None = None

    @property
    def out(self) -> bool:
        """Whether the last call failed."""
        return self._out_since is not None

    async def run(self, use: str, call: Callable[[], Awaitable[T]]) -> T:
        if self._clock() < self._skip_until:
            REDIS_FALLBACKS.labels(self._service, use).inc()
            raise RedisUnavailableError(f"{use}: Redis failed less than {self._pause}s ago")
        try:
            result = await call()
        except RedisError as exc:
            REDIS_FALLBACKS.labels(self._service, use).inc()
            if self._out_since is None:
                self._out_since = self._clock()
                log.warning("redis_unavailable_falling_back", use=use, error=repr(exc))
            self._skip_until = self._clock() + self._pause
            raise RedisUnavailableError(f"{use}: {exc!r}") from exc
        if self._out_since is not None:
            log.info("redis_answers_again", after_seconds=round(self._clock() - self._out_since, 1))
            self._out_since = None
        return result
