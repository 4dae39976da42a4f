"""Where the local stack lives on disk and which loopback ports it uses."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from tessera_common.kafka.provisioning import replication_for
from tessera_common.settings import (
    DEFAULT_INTERNAL_TOKEN_SECRET,
    DEFAULT_OPERATOR_KEY,
    ShardSettings,
)

REPO_ROOT = Path(__file__).resolve().parents[4]
HOST = "127.0.0.1"
PG_USER = "tessera"
PG_PASSWORD = "tessera"  # local stack only; bound to loopback
# Shifts every port of the local stack, so a second checkout can run its own stack
# beside the first (e.g. TESSERA_PORT_OFFSET=1000). Tools run by `make` (`make rebuild`,
# `make archive`) get the shifted stack's environment through `tessera-stack run`.
PORT_OFFSET = int(os.environ.get("TESSERA_PORT_OFFSET", "0"))
# `make up KAFKA_BROKERS=3` runs three KRaft brokers; the count is remembered in the run dir,
# so `make status`, `make down` and the tests see the same cluster without being told.
BROKERS_FILE = ".kafka-brokers"
# `make shard-add` remembers the shard servers it added here: `make up`, `status`, `down`
# and the tests then see them with the others.
ADDED_SHARDS_FILE = ".shards-added.json"
ADDED_SHARD_PORT = 15450  # the first added shard server's port, the next one above it


def added_shards(root: Path = REPO_ROOT, run_name: str = ".run") -> list[PostgresServer]:
    remembered = root / run_name / ADDED_SHARDS_FILE
    if not remembered.exists():
        return []
    return [
        PostgresServer(name, port + PORT_OFFSET, "shard")
        for name, port in json.loads(remembered.read_text()).items()
    ]


def remember_added_shard(layout: StackLayout, name: str) -> PostgresServer:
    """The next port for `name`, recorded in the run directory."""
    remembered = layout.run_dir / ADDED_SHARDS_FILE
    known = json.loads(remembered.read_text()) if remembered.exists() else {}
    port = known.setdefault(name, ADDED_SHARD_PORT + len(known))
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    remembered.write_text(json.dumps(known, indent=2))
    return PostgresServer(name, port + PORT_OFFSET, "shard")


def kafka_broker_count(root: Path = REPO_ROOT, run_name: str = ".run") -> int:
    named = os.environ.get("KAFKA_BROKERS")
    if named:
        return int(named)
    remembered = root / run_name / BROKERS_FILE
    return int(remembered.read_text()) if remembered.exists() else 1


@dataclass(frozen=True)
class KafkaNode:
    """One KRaft node (broker and controller): node ids from 1, two ports each."""

    node_id: int
    port: int
    controller_port: int

    @property
    def name(self) -> str:
        """As `make status` shows it: `kafka`, then `kafka-2`, `kafka-3`."""
        return "kafka" if self.node_id == 1 else f"kafka-{self.node_id}"


@dataclass(frozen=True)
class PostgresServer:
    name: str
    port: int
    role: str  # "shard" or "read"

    @property
    def url(self) -> str:
        return f"postgresql://{PG_USER}:{PG_PASSWORD}@{HOST}:{self.port}"


@dataclass(frozen=True)
class ServiceProcess:
    name: str
    port: int
    command: tuple[str, ...]


@dataclass(frozen=True)
class StackLayout:
    """Every port lies below Linux's ephemeral range (32768-60999): a server restarted by a
    fault test must find its port free, not taken by some client's outgoing connection."""

    root: Path = REPO_ROOT
    # Under root: pid files, logs and data (another stack beside this one takes its own).
    run_name: str = ".run"
    postgres: tuple[PostgresServer, ...] = field(
        default_factory=lambda: (
            PostgresServer("shard-0", 15432 + PORT_OFFSET, "shard"),
            PostgresServer("shard-1", 15433 + PORT_OFFSET, "shard"),
            PostgresServer("shard-2", 15434 + PORT_OFFSET, "shard"),
            PostgresServer("read", 15440 + PORT_OFFSET, "read"),
            *added_shards(),
        )
    )
    redis_port: int = 16379 + PORT_OFFSET
    kafka_port: int = 19092 + PORT_OFFSET
    kafka_controller_port: int = 19093 + PORT_OFFSET
    kafka_brokers: int = field(default_factory=kafka_broker_count)
    kafka_version: str = "4.0.1"
    kafka_heap: str = "512m"
    # Every instance of every service, by port. Several instances of one service cannot sit
    # on consecutive ports (the next service has the next one), so the second instance of an
    # upstream takes its first instance's port + 10; the gateways sit right behind the edge.
    instance_ports: dict[str, tuple[int, ...]] = field(
        default_factory=lambda: {
            name: tuple(port + PORT_OFFSET for port in ports)
            for name, ports in {
                "accounts": (8101, 8111),
                "billing": (8102,),
                "usage": (8103,),
                "query": (8104, 8114),
                "projector": (8105,),
                "gateway": (8001, 8002),
            }.items()
        }
    )
    edge_port: int = 8000 + PORT_OFFSET  # NGINX: the public entry
    edge_internal_port: int = 8099 + PORT_OFFSET  # NGINX: metrics, probes, status (operators)
    prometheus_port: int = 8090 + PORT_OFFSET  # its UI and API, on loopback

    @property
    def ports(self) -> list[int]:
        """Every port this stack listens on."""
        return [
            *(server.port for server in self.postgres),
            self.redis_port,
            *(port for node in self.kafka_nodes for port in (node.port, node.controller_port)),
            self.edge_port,
            self.edge_internal_port,
            self.prometheus_port,
            *(port for ports in self.instance_ports.values() for port in ports),
        ]

    @property
    def service_ports(self) -> dict[str, int]:
        """The port of each service's first instance."""
        return {name: ports[0] for name, ports in self.instance_ports.items()}

    @property
    def public_url(self) -> str:
        """The edge: what clients (and the tests) talk to."""
        return f"http://{HOST}:{self.edge_port}"

    @property
    def edge_internal_url(self) -> str:
        """The edge's internal port: its counters, and the gateways' internal routes."""
        return f"http://{HOST}:{self.edge_internal_port}"

    @property
    def prometheus_address(self) -> str:
        return f"{HOST}:{self.prometheus_port}"

    @property
    def prometheus_url(self) -> str:
        """Prometheus' UI and API."""
        return f"http://{self.prometheus_address}"

    def instance_urls(self, name: str) -> list[str]:
        return [f"http://{HOST}:{port}" for port in self.instance_ports[name]]

    @property
    def run_dir(self) -> Path:
        return self.root / self.run_name

    @property
    def logs_dir(self) -> Path:
        return self.run_dir / "logs"

    @property
    def pids_dir(self) -> Path:
        return self.run_dir / "pids"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache"

    @property
    def shards(self) -> list[PostgresServer]:
        return [server for server in self.postgres if server.role == "shard"]

    @property
    def read_server(self) -> PostgresServer:
        return next(server for server in self.postgres if server.role == "read")

    @property
    def kafka_nodes(self) -> list[KafkaNode]:
        """The first node on kafka_port and kafka_controller_port, the others 2 ports on."""
        return [
            KafkaNode(n + 1, self.kafka_port + 2 * n, self.kafka_controller_port + 2 * n)
            for n in range(self.kafka_brokers)
        ]

    @property
    def kafka_bootstrap(self) -> str:
        return ",".join(f"{HOST}:{node.port}" for node in self.kafka_nodes)

    @property
    def redis_url(self) -> str:
        return f"redis://{HOST}:{self.redis_port}/0"

    def service_url(self, name: str) -> str:
        return f"http://{HOST}:{self.service_ports[name]}"


def service_environment(
    layout: StackLayout,
    *,
    shard_urls: dict[str, str],
    read_server_url: str,
    kafka_bootstrap: str,
    redis_url: str,
) -> dict[str, str]:
    """The variables every service process gets (see .env.example)."""
    upstreams = {
        name: layout.instance_urls(name) for name in ("accounts", "billing", "usage", "query")
    }
    env = {
        "SHARD_SERVERS": json.dumps(shard_urls),
        "DIRECTORY_DB_URL": f"{read_server_url}/directory",
        "READ_DB_URL": f"{read_server_url}/read_models",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "REDIS_URL": redis_url,
        "TESSERA_OPERATOR_KEY": os.environ.get("TESSERA_OPERATOR_KEY", DEFAULT_OPERATOR_KEY),
        "TESSERA_INTERNAL_TOKEN_SECRET": os.environ.get(
            "TESSERA_INTERNAL_TOKEN_SECRET", DEFAULT_INTERNAL_TOKEN_SECRET
        ),
        "GATEWAY_UPSTREAMS": json.dumps(upstreams),
        "PROJECTOR_DATA_DIR": str(layout.run_dir / "projector"),
        # What the gateway's status page probes.
        "STATUS_GATEWAYS": json.dumps(layout.instance_urls("gateway")),
        "STATUS_PROJECTOR_URL": layout.service_url("projector"),
        "STATUS_POSTGRES": json.dumps({**shard_urls, "read": read_server_url}),
        "STATUS_DIRECTORY_DB_URL": f"{read_server_url}/directory",
        "STATUS_REGIONS": json.dumps(
            {region.value: shards for region, shards in ShardSettings().regions.items()}
        ),
        "STATUS_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }
    if layout.kafka_brokers > 1:  # Faust's own topics get the event topics' copies
        env["KAFKA_REPLICATION_FACTOR"] = str(replication_for(layout.kafka_brokers).factor)
    return env
