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

from tessera_stack.layout import StackLayout
from tessera_stack.processes import ManagedProcess
from tessera_stack.waiting import wait_until

RECIPE_DIR = Path(__file__).resolve().parents[2].parent / "kafka"


class KafkaBroker:
    def __init__(self, layout: StackLayout) -> None:
        self.layout = layout
        self.libs = layout.cache_dir / "kafka" / layout.kafka_version / "libs"
        self.home = layout.run_dir / "kafka"
        self.data_dir = self.home / "data"
        self.config = self.home / "server.properties"
        self.process = ManagedProcess(
            "kafka", layout.pids_dir / "kafka.pid", layout.logs_dir / "kafka.log"
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
        self.config.write_text(
            template.substitute(
                port=self.layout.kafka_port,
                controller_port=self.layout.kafka_controller_port,
                data_dir=self.data_dir,
            )
        )

    def formatted(self) -> bool:
        return (self.data_dir / "meta.properties").exists()

    def format_storage(self) -> None:
        cluster_id = _kafka_uuid()
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

    def start(self) -> None:
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
        wait_until(
            self.answers,
            "kafka",
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
            return asyncio.run(_metadata_answers(self.layout.kafka_bootstrap))
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
