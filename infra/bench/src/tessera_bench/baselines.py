"""Raw baselines, measured in the same run on the same machine as the scenarios.

Absolute figures drift between machines; a scenario's ratio to its baseline does not.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tessera_bench.budget import Budget
from tessera_bench.figures import Figure
from tessera_bench.load import Session
from tessera_bench.loadgen import Plan
from tessera_stack.layout import HOST, PORT_OFFSET, StackLayout
from tessera_stack.system import postgres_bindir
from tessera_stack.waiting import http_ok, wait_until

BARE_PORT, HELLO_PORT, NGINX_PORT = 8190 + PORT_OFFSET, 8191 + PORT_OFFSET, 8192 + PORT_OFFSET
PERF_TOPIC = "bench.perf"
RECORD_BYTES = 512  # about one event envelope
Progress = Callable[[str], None]


@contextmanager
def _server(command: list[str], url: str, log: Path) -> Iterator[None]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until(
            lambda: http_ok(url), command[0], timeout=30, alive=lambda: process.poll() is None
        )
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _uvicorn(app: str, port: int, *, factory: bool = False) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", app, *(["--factory"] if factory else []),
        "--host", HOST, "--port", str(port), "--loop", "uvloop", "--no-access-log",
    ]  # fmt: skip


NGINX_CONF = """\
worker_processes 1;
pid {dir}/nginx.pid;
error_log stderr;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/temp;
    proxy_temp_path {dir}/temp;
    upstream bare {{ server {host}:{bare}; keepalive 32; }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://bare;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def _nginx_config(run_dir: Path) -> Path:
    home = run_dir / "bench" / "nginx"
    (home / "temp").mkdir(parents=True, exist_ok=True)
    os.chmod(home / "temp", 0o777)
    config = home / "nginx.conf"
    config.write_text(NGINX_CONF.format(dir=home, host=HOST, bare=BARE_PORT, port=NGINX_PORT))
    return config


async def http_baselines(session: Session) -> list[Figure]:
    """A bare ASGI endpoint, a FastAPI one, and NGINX proxying to the bare one."""
    layout, progress = session.layout, session.progress
    logs = layout.run_dir / "bench" / "logs"
    figures = []
    bare_url, hello_url = f"http://{HOST}:{BARE_PORT}", f"http://{HOST}:{HELLO_PORT}"
    nginx_url = f"http://{HOST}:{NGINX_PORT}"
    config = _nginx_config(layout.run_dir)
    servers = [
        ("asgi", "bare ASGI endpoint on uvicorn", bare_url,
         _uvicorn("tessera_bench.baseline_apps:bare", BARE_PORT)),
        ("fastapi", "FastAPI endpoint, profile-sized JSON", hello_url,
         _uvicorn("tessera_bench.baseline_apps:hello", HELLO_PORT, factory=True)),
    ]  # fmt: skip
    for key, title, url, command in servers:
        with _server(command, f"{url}/", logs / f"{key}.log"):
            progress(f"baseline: {title}")
            plan = Plan("get", url, seed=1, options={"path": "/v1/tenants/x", "auth": "none"})
            figures += await _http_figures(session, f"baseline.{key}", title, plan)
            if key == "asgi":
                nginx = ["/usr/sbin/nginx", "-e", "stderr", "-p", str(config.parent), "-c",
                         str(config), "-g", "daemon off;"]  # fmt: skip
                with _server(nginx, f"{nginx_url}/", logs / "nginx.log"):
                    progress("baseline: NGINX proxying to the bare endpoint")
                    plan = Plan("get", nginx_url, 1, {"path": "/v1/tenants/x", "auth": "none"})
                    figures += await _http_figures(
                        session, "baseline.nginx", "NGINX proxying to the bare endpoint", plan
                    )
    return figures


async def _http_figures(session: Session, key: str, title: str, plan: Plan) -> list[Figure]:
    peak = await session.saturation(plan, f"{key}.peak", "baseline", f"{title}, peak")
    at_300 = await session.open_loop(
        plan, 300, f"{key}.open.300", "baseline", f"{title}, 300 req/s"
    )
    return [peak, at_300]


async def redis_get(layout: StackLayout, budget: Budget) -> Figure:
    """redis-benchmark GET against the stack's Redis, 50 clients, no pipelining."""
    done = await _run(
        ["redis-benchmark", "-h", HOST, "-p", str(layout.redis_port), "-t", "get",
         "-n", str(budget.redis_requests), "-c", "50", "--csv"]
    )  # fmt: skip
    rows = [
        line.replace('"', "").split(",") for line in done.splitlines() if line.startswith('"GET')
    ]
    (row,) = rows  # "GET",rps,avg,min,p50,p95,p99,max
    return Figure(
        "baseline.redis.get", "baseline", "redis-benchmark GET (50 clients)", "ops/s",
        throughput=float(row[1]), p50_ms=float(row[4]), p99_ms=float(row[6]), error_rate=0.0,
        requests=budget.redis_requests,
    )  # fmt: skip


BENCH_DB = "bench"
USAGE_SHAPED = """
CREATE TABLE IF NOT EXISTS bench_usage (
    tenant_id uuid NOT NULL, event_id uuid NOT NULL, meter varchar(32) NOT NULL,
    quantity bigint NOT NULL, occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id, occurred_at)
)"""


async def _bench_database(layout: StackLayout) -> str:
    """A scratch database on the first shard server, beside the services' own."""
    server = layout.shards[0].url
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", BENCH_DB):
            await admin.execute(f"CREATE DATABASE {BENCH_DB}")
    finally:
        await admin.close()
    url = f"{server}/{BENCH_DB}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(USAGE_SHAPED)
        await conn.execute("TRUNCATE bench_usage")
    finally:
        await conn.close()
    return url


async def pgbench_insert(layout: StackLayout, budget: Budget) -> Figure:
    """pgbench: one single-row INSERT per transaction, 8 clients, on a shard server."""
    url = await _bench_database(layout)
    script = layout.run_dir / "bench" / "insert.sql"
    script.write_text(
        "INSERT INTO bench_usage (tenant_id, event_id, meter, quantity, occurred_at)"
        " VALUES (gen_random_uuid(), gen_random_uuid(), 'api_calls', 1, now());\n"
    )
    bindir = postgres_bindir()
    assert bindir is not None
    output = await _run(
        [str(bindir / "pgbench"), "-n", "-c", "8", "-j", "2", "-T", str(budget.pgbench_seconds),
         "-f", str(script), url]
    )  # fmt: skip
    tps = float(re.search(r"tps = ([\d.]+)", output).group(1))  # type: ignore[union-attr]
    average = float(re.search(r"latency average = ([\d.]+) ms", output).group(1))  # type: ignore[union-attr]
    done = int(re.search(r"actually processed: (\d+)", output).group(1))  # type: ignore[union-attr]
    return Figure(
        "baseline.pgbench.insert", "baseline", "pgbench single-row INSERT (8 clients)", "tx/s",
        throughput=tps, p50_ms=average, error_rate=0.0, requests=done,
        notes="latency: pgbench's average",
    )  # fmt: skip


async def copy_rows(layout: StackLayout, budget: Budget) -> Figure:
    """COPY of usage-shaped rows (the ingest's own shape and key) into a shard server."""
    url = await _bench_database(layout)
    tenant, now = uuid.uuid4(), datetime.now(UTC)
    rows = [(tenant, uuid.uuid4(), "api_calls", 1, now) for _ in range(budget.copy_rows)]
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        for start in range(0, len(rows), 10_000):
            await conn.copy_records_to_table(
                "bench_usage", records=rows[start : start + 10_000],
                columns=["tenant_id", "event_id", "meter", "quantity", "occurred_at"],
            )  # fmt: skip
        seconds = time.perf_counter() - started
        await conn.execute("TRUNCATE bench_usage")
    finally:
        await conn.close()
    return Figure(
        "baseline.postgres.copy", "baseline", "COPY into a shard server (batches of 10,000)",
        "rows/s", throughput=len(rows) / seconds, error_rate=0.0, requests=len(rows),
    )  # fmt: skip


async def kafka_tools(layout: StackLayout, budget: Budget, classpath: str) -> list[Figure]:
    """Kafka's ProducerPerformance, ConsumerPerformance and EndToEndLatency, same broker."""
    bootstrap = layout.kafka_bootstrap
    await _recreate_topic(bootstrap)
    java = ["java", "-Xmx256m", "-cp", classpath]
    try:
        produced = await _run(
            [*java, "org.apache.kafka.tools.ProducerPerformance", "--topic", PERF_TOPIC,
             "--num-records", str(budget.kafka_records), "--record-size", str(RECORD_BYTES),
             "--throughput", "-1", "--producer-props", f"bootstrap.servers={bootstrap}",
             "acks=all", "enable.idempotence=true", "linger.ms=5"]
        )  # fmt: skip
        consumed = await _run(
            [*java, "org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server",
             bootstrap, "--topic", PERF_TOPIC, "--messages", str(budget.kafka_records)]
        )  # fmt: skip
        latency = await _run(
            [*java, "org.apache.kafka.tools.EndToEndLatency", bootstrap, PERF_TOPIC,
             str(budget.kafka_latency_messages), "all", str(RECORD_BYTES)]
        )  # fmt: skip
    finally:
        await _delete_topic(bootstrap)
    last = produced.strip().splitlines()[-1]
    numbers = dict(
        (name, float(value))
        for value, name in re.findall(r"([\d.]+) (records/sec|ms 50th|ms 99th|ms 99.9th)", last)
    )
    header, values = consumed.strip().splitlines()[-2:]
    consumer = dict(
        zip(
            [h.strip() for h in header.split(",")],
            [v.strip() for v in values.split(",")],
            strict=True,
        )
    )
    percentiles = dict(re.findall(r"(50th|99th|99.9th) = ([\d.]+)", latency))
    return [
        Figure(
            "baseline.kafka.produce", "baseline", "Kafka ProducerPerformance (acks=all, 512 B)",
            "records/s", throughput=numbers["records/sec"], p50_ms=numbers["ms 50th"],
            p99_ms=numbers["ms 99th"], p999_ms=numbers["ms 99.9th"], error_rate=0.0,
            requests=budget.kafka_records,
        ),
        Figure(
            "baseline.kafka.consume", "baseline", "Kafka ConsumerPerformance", "records/s",
            throughput=float(consumer["nMsg.sec"]), error_rate=0.0, requests=budget.kafka_records,
        ),
        Figure(
            "baseline.kafka.end_to_end", "baseline", "Kafka EndToEndLatency (acks=all)", "msg/s",
            p50_ms=float(percentiles["50th"]), p99_ms=float(percentiles["99th"]),
            p999_ms=float(percentiles["99.9th"]), requests=budget.kafka_latency_messages,
        ),
    ]  # fmt: skip


async def aiokafka_consume(layout: StackLayout, topic: str) -> Figure:
    """A raw aiokafka loop reading `topic` from its start to its end: no parsing, no writes."""
    # Subscribed only until start() has its metadata; then assigned, outside any group.
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=layout.kafka_bootstrap, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.unsubscribe()
        found = consumer.partitions_for_topic(topic) or set()
        partitions = [TopicPartition(topic, p) for p in sorted(found)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        total = sum(ends.values()) - sum([await consumer.position(tp) for tp in partitions])
        count, started = 0, time.perf_counter()
        while count < total:
            batches = await consumer.getmany(timeout_ms=1000, max_records=500)
            count += sum(len(messages) for messages in batches.values())
        seconds = time.perf_counter() - started
    finally:
        await consumer.stop()
    return Figure(
        f"baseline.aiokafka.{topic}", "baseline", f"raw aiokafka consume loop ({topic})",
        "events/s", throughput=count / seconds if seconds else None, requests=count, error_rate=0.0,
    )  # fmt: skip


async def _recreate_topic(bootstrap: str) -> None:
    await _delete_topic(bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(PERF_TOPIC, 6, 1)])
    finally:
        await admin.close()
    await asyncio.sleep(1)  # the new partitions' leaders settle


async def _delete_topic(bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if PERF_TOPIC in await admin.list_topics():
            await admin.delete_topics([PERF_TOPIC])
            await asyncio.sleep(1)
    finally:
        await admin.close()


async def _run(command: list[str]) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PGPASSWORD": "tessera"},
    )  # fmt: skip
    out, _ = await process.communicate()
    text = out.decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({process.returncode}):\n{text[-2000:]}")
    return text
