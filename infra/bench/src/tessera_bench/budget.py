"""How long and how hard each scenario runs: the full run, or QUICK=1's few seconds each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    quick: bool
    tenants: int  # the Zipf population of the read scenarios
    command_tenants: int
    open_seconds: float  # each open-loop step
    ramp_seconds: float  # each closed-loop step of a saturation ramp
    ramp_workers: tuple[int, ...]
    warmup_seconds: float
    read_rates: tuple[float, ...]
    command_rates: tuple[float, ...]
    ingest_seconds: float
    ingest_batches: tuple[int, ...]
    visibility_sample: float
    redis_requests: int
    pgbench_seconds: int
    copy_rows: int
    kafka_records: int
    kafka_latency_messages: int
    backlog_tenants: int  # per projector scale step
    idle_seconds: float


# Every step of a full run covers at least two of the gateways' metering flushes (15 s by
# default): a read's cost includes the usage it records, and a step between two flushes
# would leave that work outside its own CPU accounting.
FULL = Budget(
    quick=False, tenants=10_000, command_tenants=100, open_seconds=30, ramp_seconds=30,
    ramp_workers=(8, 32, 64, 128), warmup_seconds=10, read_rates=(100, 300, 1000),
    command_rates=(25, 50, 100), ingest_seconds=15, ingest_batches=(1_000, 10_000),
    visibility_sample=0.1, redis_requests=200_000, pgbench_seconds=10, copy_rows=200_000,
    kafka_records=200_000, kafka_latency_messages=500, backlog_tenants=2_000,
    idle_seconds=30,
)  # fmt: skip

QUICK = Budget(
    quick=True, tenants=1_000, command_tenants=20, open_seconds=2, ramp_seconds=2,
    ramp_workers=(16,), warmup_seconds=2, read_rates=(100, 300, 1000),
    command_rates=(25, 50, 100), ingest_seconds=3, ingest_batches=(1_000, 10_000),
    visibility_sample=0.25, redis_requests=20_000, pgbench_seconds=2, copy_rows=20_000,
    kafka_records=20_000, kafka_latency_messages=50, backlog_tenants=200,
    idle_seconds=5,
)  # fmt: skip
