"""The services' Redis client on a real Redis: with every pooled connection in use, a command
waits for one instead of failing (a failure would read as Redis being out, and send every
request to its fallback for a while)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from tessera_common.redis_client import create_redis
from tessera_common.settings import RedisSettings
from tessera_stack.endpoints import Endpoints


async def test_commands_beyond_the_pool_wait_for_a_connection_and_all_answer(
    endpoints: Endpoints,
) -> None:
    client = create_redis(RedisSettings(url=endpoints.redis_url, max_connections=2))
    empty = f"test:pool:{uuid.uuid4().hex}"  # BLPOP on it holds a connection 0.2 s
    try:
        began = time.monotonic()
        answers = await asyncio.gather(*(client.blpop([empty], timeout=0.2) for _ in range(6)))
        took = time.monotonic() - began
    finally:
        await client.aclose()
    assert answers == [None] * 6  # each timed out on the empty list: none failed
    assert took >= 0.55  # three rounds of two: they waited their turn


async def test_a_redis_that_does_not_answer_still_fails_fast() -> None:
    client = create_redis(RedisSettings(url="redis://127.0.0.1:1/0", max_connections=2))
    try:
        with pytest.raises(RedisConnectionError):
            await client.get("anything")
    finally:
        await client.aclose()
