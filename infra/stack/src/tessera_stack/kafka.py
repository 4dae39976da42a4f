"""Apache Kafka in KRaft mode, from its Maven Central jars, run with plain `java`."""

from __future__ import annotations

import asyncio
import base64
import logging
import subprocess
import uuid
from pathlib import Path
from string import Template

from aiokafka.admin import AIOKafkaAdminClient

from tessera_common.kafka.provisioning import replication_for
from tessera_stack.layout import HOST, KafkaNode, StackLayout
from tessera_stack.processes import ManagedProcess
from tessera_stack.waiting import wait_until

RECIPE_DIR = Path(__file__).resolve().parents[2].parent / "kafka"


class KafkaBroker:
    """One node of the stack's KRaft cluster (the first, unless `node` names another)."""

    def __init__(self, layout: StackLayout, node: KafkaNode | None = None) -> None:
        self.layout = layout
        self.node = node or layout.kafka_nodes[0]
        name = self.node.name
        self.libs = layout.cache_dir / "kafka" / layout.kafka_version / "libs"
        self.home = layout.run_dir / name
        self.data_dir = self.home / "data"
        self.config = self.home / "server.properties"
        self.process = ManagedProcess(
            name, layout.pids_dir / f"{name}.pid", layout.logs_dir / f"{name}.log"
        )

    @property
    def classpath(self) -> str:
        return f"{self.libs}/*"

    def jars_present(self) -> bool:
        return any(self.libs.glob(f"kafka_2.13-{self.layout.kafka_version}.jar"))

    def fetch_jars(self) -> None:
        """Resolve the broker and its runtime dependencies from Maven Central (cached)."""
        self.libs.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "-Dstyle.color=never",
                "-f",
                str(RECIPE_DIR / "pom.xml"),
                f"-Dkafka.version={self.layout.kafka_version}",
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={self.libs}",
            ],
            check=True,
        )

    def render_config(self) -> None:
        template = Template((RECIPE_DIR / "server.properties.template").read_text())
        self.home.mkdir(parents=True, exist_ok=True)
        nodes = self.layout.kafka_nodes
        replication = replication_for(len(nodes))
        self.config.write_text(
            template.substitute(
                node_id=self.node.node_id,
                voters=",".join(f"{n.node_id}@{HOST}:{n.controller_port}" for n in nodes),
                port=self.node.port,
                controller_port=self.node.controller_port,
                data_dir=self.data_dir,
                replication=replication.factor,
                min_isr=replication.min_insync,
            )
        )

    def formatted(self) -> bool:
        return (self.data_dir / "meta.properties").exists()

    def format_storage(self) -> None:
        """Format the node's storage with the cluster's id (every node must share one)."""
        cluster_id = self._cluster_id()
        subprocess.run(
            [
                "java",
                "-cp",
                self.classpath,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(self.config),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def _cluster_id(self) -> str:
        """A fresh id for one node; for several, one id kept in the run dir for all."""
        if self.layout.kafka_brokers == 1:
            return _kafka_uuid()
        cluster_file = self.layout.run_dir / "kafka-cluster-id"
        if not cluster_file.exists():
            if (self.layout.run_dir / "kafka" / "data").exists():
                # A one-node KRaft log holds a quorum of one: it cannot grow into three.
                raise RuntimeError(
                    "this run dir holds a one-broker Kafka: run `make clean` (or delete "
                    ".run/kafka) before `make up KAFKA_BROKERS=3`"
                )
            cluster_file.write_text(_kafka_uuid())
        return cluster_file.read_text().strip()

    def start(self) -> None:
        """Start the node and wait until it answers (a node of several answers once a
        quorum of controllers runs: start them all with `launch`, then `wait_ready`)."""
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        command = [
            "java",
            f"-Xms{self.layout.kafka_heap}",
            f"-Xmx{self.layout.kafka_heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={RECIPE_DIR / 'log4j2.yaml'}",
            "-cp",
            self.classpath,
            "kafka.Kafka",
            str(self.config),
        ]
        self.process.start(command, env={})

    def wait_ready(self) -> None:
        wait_until(
            self.answers,
            self.node.name,
            # The JVM alone has taken a minute to start on a shared 2-core machine.
            timeout=180,
            alive=self.process.running,
            log_file=self.process.log_file,
            interval=0.5,
        )

    def limit_fetches(self, client_id: str, bytes_per_second: int | None) -> None:
        """A broker quota on what a client may fetch (None lifts it): a throttled broker, as
        a fault to inject. Clients already throttled feel the change within a minute."""
        change = (
            ["--delete-config", "consumer_byte_rate"]
            if bytes_per_second is None
            else ["--add-config", f"consumer_byte_rate={bytes_per_second}"]
        )
        subprocess.run(
            [
                "java", "-cp", self.classpath, "kafka.admin.ConfigCommand",
                "--bootstrap-server", self.layout.kafka_bootstrap, "--alter", *change,
                "--entity-type", "clients", "--entity-name", client_id,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def answers(self) -> bool:
        quiet = logging.getLogger("aiokafka")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)  # "connection refused" is the expected answer here
        try:
            return asyncio.run(_metadata_answers(f"{HOST}:{self.node.port}"))
        finally:
            quiet.setLevel(level)


async def _metadata_answers(bootstrap: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.list_topics()
    except Exception:
        return False
    finally:
        await admin.close()
    return True


def _kafka_uuid() -> str:
    """A cluster id as Kafka writes them: 16 random bytes, URL-safe base64, unpadded."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
