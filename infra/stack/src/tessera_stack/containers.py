"""The infrastructure in containers (testcontainers), with the services as local processes.

Used when a Docker engine answers; the same migrations and service processes as
the local stack run against the containers' mapped ports.
"""

from __future__ import annotations

import asyncio
import json

from testcontainers.kafka import KafkaContainer
from testcontainers.postgres import PostgresContainer
from testcontainers.redis import RedisContainer

from tessera_common.kafka.topics import ensure_topics
from tessera_common.settings import KafkaSettings
from tessera_stack.endpoints import Endpoints, Stop
from tessera_stack.layout import StackLayout, service_environment
from tessera_stack.migrations import run_migrations
from tessera_stack.services import start_services, stop_services

POSTGRES_IMAGE = "postgres:15"
REDIS_IMAGE = "redis:7"
KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.1"
SHARDS = ("shard-0", "shard-1", "shard-2")


def _server_url(container: PostgresContainer) -> str:
    host = container.get_container_host_ip()
    port = container.get_exposed_port(5432)
    return f"postgresql://tessera:tessera@{host}:{port}"


def start_containers() -> tuple[Endpoints, Stop]:
    postgres = {
        name: PostgresContainer(
            POSTGRES_IMAGE, username="tessera", password="tessera", dbname="postgres"
        )
        for name in (*SHARDS, "read")
    }
    redis = RedisContainer(REDIS_IMAGE)
    kafka = KafkaContainer(KAFKA_IMAGE).with_kraft()
    containers = [*postgres.values(), redis, kafka]
    layout = StackLayout()

    def stop() -> None:
        stop_services(layout)
        for container in containers:
            container.stop()

    try:
        for container in containers:
            container.start()
        host = redis.get_container_host_ip()
        redis_url = f"redis://{host}:{redis.get_exposed_port(6379)}/0"
        bootstrap = kafka.get_bootstrap_server()
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=bootstrap)))
        shard_urls = {name: _server_url(postgres[name]) for name in SHARDS}
        read_url = _server_url(postgres["read"])
        env = service_environment(
            layout,
            shard_urls=shard_urls,
            read_server_url=read_url,
            kafka_bootstrap=bootstrap,
            redis_url=redis_url,
        )
        run_migrations(env)
        start_services(layout, env)
    except BaseException:
        stop()
        raise
    return (
        Endpoints(
            source="testcontainers",
            gateway_url=layout.public_url,
            operator_key=env["TESSERA_OPERATOR_KEY"],
            shard_servers=json.loads(env["SHARD_SERVERS"]),
            read_db_url=env["READ_DB_URL"],
            directory_db_url=env["DIRECTORY_DB_URL"],
            redis_url=redis_url,
            kafka_bootstrap=bootstrap,
            upstreams=json.loads(env["GATEWAY_UPSTREAMS"]),
        ),
        stop,
    )
