"""The load generator: `infra/bench/loadgen` (Go, on vegeta's attacker), built once into
.cache/tools and driven one step at a time, so every step has its own CPU accounting."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tessera_stack.layout import REPO_ROOT

SOURCE = REPO_ROOT / "infra" / "bench" / "loadgen"
TOOLS = REPO_ROOT / ".cache" / "tools"


def binary() -> Path:
    """The generator built from the current sources (rebuilt when they change)."""
    digest = hashlib.sha256()
    for path in sorted(SOURCE.glob("*")):
        if path.suffix in (".go", ".mod", ".sum"):
            digest.update(path.name.encode() + path.read_bytes())
    target = TOOLS / f"tessera-load-{digest.hexdigest()[:12]}"
    if not target.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        # One core for the build; the generator itself is lean at run time.
        subprocess.run(
            ["go", "build", "-trimpath", "-o", str(target), "."],
            cwd=SOURCE,
            check=True,
            env={**os.environ, "GOMAXPROCS": "1"},
        )
    return target


@dataclass(frozen=True)
class Step:
    name: str
    rate: float = 0.0  # open loop: arrivals per second
    workers: int = 0  # closed loop: workers sending back to back
    seconds: float = 10.0

    @property
    def open_loop(self) -> bool:
        return self.rate > 0

    def as_plan(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rate": self.rate,
            "workers": self.workers,
            "duration_seconds": self.seconds,
        }


@dataclass
class Plan:
    scenario: str  # "get", "commands" or "ingest"
    base_url: str
    seed: int
    options: dict[str, Any] = field(default_factory=dict)

    def document(self, step: Step) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "base_url": self.base_url,
            "seed": self.seed,
            "steps": [step.as_plan()],
            **self.options,
        }


async def attack(plan: Plan, step: Step) -> dict[str, Any]:
    """Run one step; its figures (see StepResult in loadgen/step.go) plus the generator's CPU."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan.document(step), handle)
        path = handle.name
    try:
        # Two threads are plenty for these rates, and leave the stack its cores.
        env = {**os.environ, "GOMAXPROCS": os.environ.get("BENCH_LOADGEN_PROCS", "2")}
        process = await asyncio.create_subprocess_exec(
            str(binary()), path, stdout=asyncio.subprocess.PIPE, stderr=sys.stderr, env=env
        )
        out, _ = await process.communicate()
    finally:
        os.unlink(path)
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed ({process.returncode}) on {step.name}")
    run: dict[str, Any] = json.loads(out)
    result: dict[str, Any] = run["steps"][0]
    result["loadgen_cpu_seconds"] = run["cpu_seconds"]
    return result
