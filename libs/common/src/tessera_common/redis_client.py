"""One Redis client per process."""

from redis.asyncio import Redis

from tessera_common.settings import RedisSettings


def create_redis(settings: RedisSettings) -> "Redis":
    return Redis.from_url(
        settings.url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
    )
