"""Running load steps with their accounting: the stack's CPU per component around each
step, the generator's own share, and figures for open-loop rates and saturation ramps."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tessera_bench import cpu
from tessera_bench.budget import Budget
from tessera_bench.figures import Figure
from tessera_bench.loadgen import Plan, Step, attack
from tessera_stack.layout import StackLayout

Progress = Callable[[str], None]
# A step whose error rate is above this is past saturation, whatever its throughput.
SATURATION_ERRORS = 0.001


@dataclass
class Session:
    layout: StackLayout
    budget: Budget
    progress: Progress
    operator_key: str
    loadgen_cpu_seconds: float = 0.0
    loadgen_wall_seconds: float = 0.0
    steps: list[dict[str, Any]] = field(default_factory=list)

    async def step(self, plan: Plan, step: Step) -> tuple[dict[str, Any], dict[str, float]]:
        """One step's result and the stack's CPU seconds per component during it."""
        how = (
            f"{step.rate:g}/s open loop"
            if step.open_loop
            else f"{step.workers} workers, closed loop"
        )
        self.progress(f"{step.name}: {how}, {step.seconds:g}s")
        before = cpu.snapshot(self.layout)
        result = await attack(plan, step)
        used = cpu.snapshot(self.layout).since(before)
        self.loadgen_cpu_seconds += result["loadgen_cpu_seconds"]
        self.loadgen_wall_seconds += result["seconds"]
        self.steps.append(
            {"plan": plan.scenario, **{k: v for k, v in result.items() if k != "timeline"}}
        )
        return result, used

    async def figure(
        self, plan: Plan, step: Step, key: str, group: str, title: str, **extra: Any
    ) -> Figure:
        result, used = await self.step(plan, step)
        figure = Figure.from_step(key, group, title, result, **extra)
        figure.cpu_ms_per_request = per_request(used, result["ok"])
        return figure

    async def open_loop(
        self, plan: Plan, rate: float, key: str, group: str, title: str, *,
        seconds: float | None = None, **extra: Any,
    ) -> Figure:  # fmt: skip
        step = Step(key, rate=rate, seconds=seconds or self.budget.open_seconds)
        return await self.figure(plan, step, key, group, title, **extra)

    async def saturation(
        self, plan: Plan, key: str, group: str, title: str,
        workers: tuple[int, ...] | None = None, **extra: Any,
    ) -> Figure:  # fmt: skip
        """The best throughput over a closed-loop ramp of workers, among steps without errors
        above SATURATION_ERRORS; stops once more workers no longer add throughput."""
        best: Figure | None = None
        for count in workers or self.budget.ramp_workers:
            step = Step(f"{key}.w{count}", workers=count, seconds=self.budget.ramp_seconds)
            figure = await self.figure(plan, step, key, group, title, **extra)
            figure.workers, figure.notes = count, f"closed loop, {count} workers"
            clean = (figure.error_rate or 0.0) <= SATURATION_ERRORS
            if clean and (best is None or (figure.throughput or 0) > (best.throughput or 0)):
                best = figure
            elif best is not None and (figure.throughput or 0) < 1.02 * (best.throughput or 0):
                break
        return best or figure

    @property
    def loadgen_share(self) -> float | None:
        """The generator's CPU over the load's wall time, as a share of every core."""
        if not self.loadgen_wall_seconds:
            return None
        return self.loadgen_cpu_seconds / self.loadgen_wall_seconds / (os.cpu_count() or 1)


def per_request(used: dict[str, float], requests: int) -> dict[str, float]:
    """CPU milliseconds per successful request, by component (components that did nothing
    are left out)."""
    if requests <= 0:
        return {}
    return {
        name: round(seconds * 1000 / requests, 3)
        for name, seconds in sorted(used.items())
        if seconds > 0.0
    }
