"""The infrastructure in containers (testcontainers), with the services as local processes.

Used when a Docker engine answers. The services run from the same commands as the local
stack's, but in a layout of their own: ports shifted by CONTAINERS_PORT_SHIFT and pid
files, logs and data under .run/containers. A local stack running beside it is never
addressed, and stopping this path stops only what it started. The images are compose's.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

from testcontainers.community.postgres import PostgresContainer
from testcontainers.community.redis import RedisContainer
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import LogMessageWaitStrategy

from tessera_common.kafka.provisioning import ensure_topics
from tessera_common.settings import KafkaSettings
from tessera_stack.endpoints import Endpoints, Stop
from tessera_stack.layout import HOST, StackLayout, service_environment
from tessera_stack.migrations import run_migrations
from tessera_stack.services import start_services, stop_services

# As docker-compose.yml pins them (a contract test holds the two together).
POSTGRES_IMAGE = "postgres:15.12"
REDIS_IMAGE = "redis:7.4.2"
KAFKA_IMAGE = "apache/kafka:4.0.1"
SHARDS = ("shard-0", "shard-1", "shard-2")
CONTAINERS_PORT_SHIFT = 500  # beside the local stack's ports (and its offset), never on them
KAFKA_STARTUP_SECONDS = 120


def containers_layout(base: StackLayout | None = None) -> StackLayout:
    """The local layout's ports shifted, and its own run directory."""
    base = base or StackLayout()

    def shift(port: int) -> int:
        return port + CONTAINERS_PORT_SHIFT

    return replace(
        base,
        run_name=".run/containers",
        instance_ports={
            name: tuple(map(shift, ports)) for name, ports in base.instance_ports.items()
        },
        edge_port=shift(base.edge_port),
        edge_internal_port=shift(base.edge_internal_port),
        prometheus_port=shift(base.prometheus_port),
        kafka_port=shift(base.kafka_port),
        # Not listened on (the containers map their own), shifted so nothing is shared.
        kafka_controller_port=shift(base.kafka_controller_port),
        redis_port=shift(base.redis_port),
        postgres=tuple(replace(server, port=shift(server.port)) for server in base.postgres),
    )


def kafka_container(host_port: int) -> DockerContainer:
    """Apache Kafka 4 in KRaft mode, one node, advertised on a fixed host port (a client
    must reach the address the broker advertises, known only if it is chosen up front)."""
    return (
        DockerContainer(KAFKA_IMAGE)
        .with_bind_ports(9092, host_port)
        .with_envs(
            KAFKA_NODE_ID="1",
            KAFKA_PROCESS_ROLES="broker,controller",
            KAFKA_LISTENERS="PLAINTEXT://:9092,CONTROLLER://:9093",
            KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://{HOST}:{host_port}",
            KAFKA_CONTROLLER_LISTENER_NAMES="CONTROLLER",
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
            KAFKA_AUTO_CREATE_TOPICS_ENABLE="false",
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1",
            KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR="1",
            KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR="1",
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="0",
        )
        .waiting_for(
            LogMessageWaitStrategy("Kafka Server started").with_startup_timeout(
                KAFKA_STARTUP_SECONDS
            )
        )
    )


def _server_url(container: PostgresContainer) -> str:
    host = container.get_container_host_ip()
    port = container.get_exposed_port(5432)
    return f"postgresql://tessera:tessera@{host}:{port}"


def start_containers(layout: StackLayout | None = None) -> tuple[Endpoints, Stop]:
    layout = layout or containers_layout()
    postgres = {
        name: PostgresContainer(
            POSTGRES_IMAGE, username="tessera", password="tessera", dbname="postgres"
        ).with_command("postgres -c max_connections=200 -c shared_buffers=64MB")
        for name in (*SHARDS, "read")
    }
    redis = RedisContainer(REDIS_IMAGE)
    kafka = kafka_container(layout.kafka_port)
    containers: list[DockerContainer] = [*postgres.values(), redis, kafka]

    def stop() -> None:
        stop_services(layout)  # this layout's pid files: never the local stack's processes
        for container in containers:
            container.stop()

    try:
        for container in containers:
            container.start()
        host = redis.get_container_host_ip()
        redis_url = f"redis://{host}:{redis.get_exposed_port(6379)}/0"
        bootstrap = f"{HOST}:{layout.kafka_port}"
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=bootstrap)))
        shard_urls = {name: _server_url(postgres[name]) for name in SHARDS}
        env = service_environment(
            layout,
            shard_urls=shard_urls,
            read_server_url=_server_url(postgres["read"]),
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
