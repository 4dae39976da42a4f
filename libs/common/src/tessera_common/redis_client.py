"""Redis clients: one for commands, one per long-lived subscription."""

from redis.asyncio import Redis

from tessera_common.settings import RedisSettings


def create_redis(settings: RedisSettings) -> "Redis":
    return Redis.from_url(
        settings.url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
    )


def create_subscriber(settings: RedisSettings) -> "Redis":
    """No read timeout (a subscription is idle until something is published) and no health
    checks: a PING on a subscribed connection can swallow a published message."""
    return Redis.from_url(
        settings.url, socket_timeout=None, socket_connect_timeout=2, health_check_interval=0
    )
