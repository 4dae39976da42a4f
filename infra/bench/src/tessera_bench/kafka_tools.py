"""Kafka's own performance tools, resolved from Maven Central once (like the broker's jars)."""

from __future__ import annotations

import subprocess

from tessera_stack.layout import REPO_ROOT, StackLayout

POM = REPO_ROOT / "infra" / "bench" / "kafka-tools" / "pom.xml"


def perf_tools_classpath(layout: StackLayout) -> str:
    """The classpath of kafka-tools at the broker's version, fetched if missing."""
    libs = layout.cache_dir / "kafka" / layout.kafka_version / "tools"
    if not any(libs.glob(f"kafka-tools-{layout.kafka_version}.jar")):
        libs.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mvn", "-q", "-B", "-Dstyle.color=never", "-f", str(POM),
             f"-Dkafka.version={layout.kafka_version}", "dependency:copy-dependencies",
             "-DincludeScope=runtime", f"-DoutputDirectory={libs}"],
            check=True,
        )  # fmt: skip
    return f"{libs}/*"
