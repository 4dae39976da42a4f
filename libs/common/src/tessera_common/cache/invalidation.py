"""Read-model invalidations: the projector announces what changed, readers drop it from L1."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

import structlog
from redis.asyncio import Redis

log = structlog.get_logger(__name__)
CHANNEL = "tessera:invalidations"


async def announce(redis: Redis, keys: Iterable[str]) -> None:
    """Publish the changed read-model keys (one message per batch)."""
    message = "\n".join(keys)
    if message:
        await redis.publish(CHANNEL, message)


async def listen(
    redis: Redis, evict: Callable[[str], None], forget_all: Callable[[], None]
) -> None:
    """Evict each announced key; after any gap in the subscription, forget everything."""
    backoff = 0.5
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(CHANNEL)
                forget_all()  # messages sent while unsubscribed are lost: start clean
                backoff = 0.5
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        for key in message["data"].decode().split("\n"):
                            evict(key)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("invalidation_listener_error", error=repr(exc))
            forget_all()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
