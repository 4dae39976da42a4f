"""The local stack, without Docker: Postgres shards, the read server, Redis, Kafka, services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

import httpx

from tessera_common.kafka.provisioning import ensure_topics
from tessera_common.settings import KafkaSettings
from tessera_stack.edge import EdgeServer
from tessera_stack.kafka import KafkaBroker
from tessera_stack.layout import (
    BROKERS_FILE,
    HOST,
    PostgresServer,
    StackLayout,
    added_shards,
    service_environment,
)
from tessera_stack.migrations import pending_migrations, run_migrations
from tessera_stack.postgres import PostgresCluster
from tessera_stack.progress import note, step
from tessera_stack.prometheus import PrometheusServer
from tessera_stack.redis_server import RedisServer
from tessera_stack.services import instances, start_services, stop_services
from tessera_stack.system import ensure_system_dependencies, postgres_bindir


@dataclass
class LocalStack:
    layout: StackLayout = field(default_factory=StackLayout)

    def __post_init__(self) -> None:
        self.brokers = [KafkaBroker(self.layout, node) for node in self.layout.kafka_nodes]
        self.kafka = self.brokers[0]
        self.redis = RedisServer(self.layout)
        self.prometheus = PrometheusServer(self.layout)
        self._clusters: list[PostgresCluster] | None = None

    @property
    def clusters(self) -> list[PostgresCluster]:
        if self._clusters is None:
            bindir = postgres_bindir()
            if bindir is None:
                raise RuntimeError("PostgreSQL server binaries are not installed")
            self._clusters = [
                PostgresCluster(self.layout, server, bindir) for server in self.layout.postgres
            ]
        return self._clusters

    def adopt(self, server: PostgresServer) -> None:
        """A Postgres server added while the stack runs (`make shard-add`)."""
        if server not in self.layout.postgres:
            self.layout = replace(self.layout, postgres=(*self.layout.postgres, server))
            self._clusters = None

    def cluster(self, name: str) -> PostgresCluster:
        return next(c for c in self.clusters if c.server.name == name)

    @property
    def environment(self) -> dict[str, str]:
        return service_environment(
            self.layout,
            shard_urls={s.name: s.url for s in self.layout.shards},
            read_server_url=self.layout.read_server.url,
            kafka_bootstrap=self.layout.kafka_bootstrap,
            redis_url=self.layout.redis_url,
        )

    def up(self) -> list[str]:
        """Start whatever is not running, and only that; returns what it started (by the
        names `status` shows) and the migrations it ran. Healing a stack after one component
        died therefore restarts exactly that component."""
        for path in (self.layout.logs_dir, self.layout.pids_dir):
            path.mkdir(parents=True, exist_ok=True)
        ensure_system_dependencies()
        started = self._up_postgres()
        started += self._up_redis()
        started += self._up_kafka()
        started += self._up_schemas()
        started += start_services(self.layout, self.environment)
        started += self._up_prometheus()
        note(f"edge: {self.layout.public_url}   logs: {self.layout.logs_dir}")
        note(f"prometheus: {self.layout.prometheus_url}")
        return started

    def _up_prometheus(self) -> list[str]:
        with step(f"prometheus on :{self.layout.prometheus_port}"):
            self.prometheus.render_config()
            if self.prometheus.process.running():
                return []
            self.prometheus.start()
            return ["prometheus"]

    def _up_postgres(self) -> list[str]:
        started = []
        for cluster in self.clusters:
            label = f"postgres {cluster.server.name} on :{cluster.server.port}"
            with step(label):
                if not cluster.initialised():
                    cluster.init()
                if not cluster.running():
                    cluster.start()
                    started.append(f"postgres {cluster.server.name}")
                cluster.ensure_role()
        return started

    def _up_redis(self) -> list[str]:
        with step(f"redis on :{self.layout.redis_port}"):
            if self.redis.process.running():
                return []
            self.redis.start()
            return ["redis"]

    def _up_kafka(self) -> list[str]:
        started = []
        if not self.kafka.jars_present():
            with step(f"fetching Kafka {self.layout.kafka_version} jars from Maven Central"):
                self.kafka.fetch_jars()
        ports = ", ".join(f":{node.port}" for node in self.layout.kafka_nodes)
        with step(f"kafka (KRaft) on {ports}"):
            self._remember_brokers()
            for broker in self.brokers:
                broker.render_config()
                if not broker.formatted():
                    broker.format_storage()
                if not broker.process.running():
                    broker.launch()
                    started.append(broker.node.name)
            for broker in self.brokers:  # together: several nodes need their quorum first
                broker.wait_ready()
        with step("kafka topics"):
            kafka = KafkaSettings(bootstrap_servers=self.layout.kafka_bootstrap)
            # Three copies, two in sync, once there are three brokers (acks=all waits for two).
            created = asyncio.run(ensure_topics(kafka, fit_to_cluster=len(self.brokers) > 1))
            if created:
                note(f"created {', '.join(created)}")
        return started

    def _remember_brokers(self) -> None:
        remembered = self.layout.run_dir / BROKERS_FILE
        if self.layout.kafka_brokers > 1:
            remembered.write_text(str(self.layout.kafka_brokers))
        else:
            remembered.unlink(missing_ok=True)

    def _up_schemas(self) -> list[str]:
        with step("schemas at their Alembic head"):
            behind = pending_migrations(self.layout)
            if behind:
                note(f"behind: {', '.join(behind)}")
        if not behind:
            return []
        run_migrations(self.environment, tuple(behind))
        return behind

    def down(self) -> None:
        # A server `make shard-add` added since this stack object was made stops too.
        for server in added_shards(self.layout.root, self.layout.run_name):
            self.adopt(server)
        with step("prometheus"):
            self.prometheus.process.stop()
        with step("services"):
            stopped = stop_services(self.layout)
            if stopped:
                note(f"stopped {', '.join(stopped)}")
        with step("kafka"):
            for broker in reversed(self.brokers):
                broker.process.stop(timeout=30)
        with step("redis"):
            self.redis.process.stop()
        if postgres_bindir() is None:
            return
        for cluster in self.clusters:
            with step(f"postgres {cluster.server.name}"):
                cluster.stop()

    def status(self) -> list[tuple[str, str, str]]:
        """(component, address, state) for every component."""
        rows = []
        for cluster in self.clusters if postgres_bindir() else []:
            state = "up" if cluster.accepts() else "down"
            rows.append((f"postgres {cluster.server.name}", f":{cluster.server.port}", state))
        redis_state = "up" if self.redis.answers() else "down"
        rows.append(("redis", f":{self.layout.redis_port}", redis_state))
        for broker in self.brokers:
            kafka_state = "up" if broker.process.running() and broker.answers() else "down"
            rows.append((broker.node.name, f":{broker.node.port}", kafka_state))
        for instance in instances(self.layout):
            url = f"http://{HOST}:{instance.port}"
            rows.append((instance.name, url, _service_state(url)))
        edge_state = "up" if EdgeServer(self.layout).answers() else "down"
        rows.append(("edge", self.layout.public_url, edge_state))
        rows.append(("edge (internal)", self.layout.edge_internal_url, edge_state))
        prometheus_state = "up" if self.prometheus.answers() else "down"
        rows.append(("prometheus", self.layout.prometheus_url, prometheus_state))
        return rows

    def healthy(self) -> bool:
        return all(state == "up" for _, _, state in self.status())


def _service_state(url: str) -> str:
    try:
        response = httpx.get(f"{url}/readyz", timeout=2.0)
    except httpx.HTTPError:
        return "down"
    return "up" if response.status_code == 200 else f"not ready ({response.status_code})"
