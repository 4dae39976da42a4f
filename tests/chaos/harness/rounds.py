"""One round: tenants, load, a fault, its heal, then the check until everything converges."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka.errors import KafkaError
from redis.exceptions import RedisError

from harness.checker import Findings, check
from harness.faults import Fault
from harness.ledger import Ledger
from harness.observe import observe
from harness.recovery import Marks, Recovery, recovery
from harness.statuses import histogram, unacceptable
from harness.topics import TopicReader
from harness.workload import Workload
from tessera_stack.endpoints import Endpoints
from tessera_stack.stack import LocalStack

TENANTS = 6  # two in each region
WARMUP_SECONDS = 3.0
AFTER_HEAL_SECONDS = 3.0
CONVERGENCE_DEADLINE = 180.0


@dataclass
class Round:
    fault: str
    ledger: Ledger
    findings: Findings
    recovery: Recovery
    lag: int
    marks: Marks

    @property
    def statuses(self) -> dict[str, int]:
        return histogram(self.ledger.answers)

    @property
    def refused(self) -> list[str]:
        """Answers no client should see, as `kind status` (a 500, a hang, a bare 502)."""
        return [f"{a.kind} {a.label}" for a in unacceptable(self.ledger.answers)]

    def as_dict(self) -> dict[str, Any]:
        commands = [c for c in self.ledger.commands if c.kind != "tenant"]
        return {
            "fault": self.fault,
            "invariants": self.findings.as_dict(),
            "examples": {k: v for k, v in self.findings.examples.items() if v},
            "statuses": self.statuses,
            "unacceptable": len(self.refused),
            "unacceptable_examples": sorted(set(self.refused))[:10],
            "commands": len(commands),
            "acknowledged": sum(c.acked is not None for c in commands),
            "lag": self.lag,
            **self.recovery.as_dict(),
        }


@dataclass
class Rounds:
    """Runs rounds against one stack and keeps each one's result in `results_dir`."""

    stack: LocalStack
    endpoints: Endpoints
    http: httpx.AsyncClient
    operator: dict[str, str]
    results_dir: Path

    async def run(self, fault: Fault, label: str) -> Round:
        topics = TopicReader(self.endpoints.kafka_bootstrap)
        async with fault.around(self.stack):
            await topics.mark_start()
            workload = Workload(self.http, self.operator, label)
            await workload.create_tenants(TENANTS)
            workload.start()
            started = time.monotonic()
            await asyncio.sleep(WARMUP_SECONDS)
            await fault.armed(self.stack)
            fault_at = time.monotonic()
            try:
                await fault.inject(self.stack)
                await asyncio.sleep(fault.hold)
            finally:
                await fault.heal(self.stack)
            healed = time.monotonic()
            await asyncio.sleep(AFTER_HEAL_SECONDS)
            await workload.finish()
            ended = time.monotonic()
            findings, lag, converged = await self._converge(workload.ledger, topics)
        marks = Marks(started, fault_at, healed, ended, converged)
        figures = recovery(workload.ledger.answers, marks)
        result = Round(fault.name, workload.ledger, findings, figures, lag, marks)
        self._save(result)
        return result

    async def _converge(
        self, ledger: Ledger, topics: TopicReader
    ) -> tuple[Findings, int, float | None]:
        """Look again until every invariant holds and the lag is 0, or the deadline passes."""
        deadline = time.monotonic() + CONVERGENCE_DEADLINE
        last: tuple[Findings, int] | None = None
        while time.monotonic() < deadline:
            try:
                seen = await observe(self.endpoints, self.http, self.operator, topics, ledger)
            except (OSError, httpx.HTTPError, asyncpg.PostgresError, KafkaError, RedisError):
                await asyncio.sleep(1.0)  # a place not answering yet is not converged
                continue
            findings = check(ledger, seen)
            if findings.clean and seen.lag == 0:
                return findings, seen.lag, time.monotonic()
            last = (findings, seen.lag)
            await asyncio.sleep(1.0)
        assert last is not None, "no place answered the checker before the deadline"
        return *last, None

    def _save(self, result: Round) -> None:
        self.results_dir.mkdir(parents=True, exist_ok=True)
        name = f"{result.fault}-{time.strftime('%Y%m%dT%H%M%S')}-{id(result):x}.json"
        (self.results_dir / name).write_text(json.dumps(result.as_dict(), indent=2) + "\n")
