"""One measured figure: what the report's table shows per scenario and baseline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Figure:
    key: str  # stable across runs, for `make bench-compare`
    group: str  # "baseline", "reads", "commands", "visibility", "ingest", "replay", "scale"
    title: str
    unit: str  # of `throughput`: "req/s", "records/s", "events/s", "rows/s", "ops/s"
    throughput: float | None = None
    offered: float | None = None  # open loop: the arrival rate; None for closed loop
    workers: int | None = None  # closed loop: the clients sending back to back
    p50_ms: float | None = None
    p99_ms: float | None = None
    p999_ms: float | None = None
    error_rate: float | None = None
    requests: int | None = None
    baseline: str | None = None  # the key of the baseline figure it is compared with
    compare: str = "throughput"  # or "p99": which value the ratio divides
    ratio: float | None = None
    ratio_floor: float | None = None  # the target's least ratio to the baseline, if it has one
    target: str | None = None
    met: bool | None = None
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)
    notes: str = ""
    timeline: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_step(
        cls, key: str, group: str, title: str, step: dict[str, Any], **extra: Any
    ) -> Figure:
        """A figure from one load-generator step (see loadgen/step.go)."""
        latency = step["latency_ms"]
        requests = step["requests"]
        return cls(
            key=key, group=group, title=title, unit=extra.pop("unit", "req/s"),
            throughput=step["throughput"],
            offered=step["offered_rate"] if step["mode"] == "open" else None,
            p50_ms=latency["p50"], p99_ms=latency["p99"], p999_ms=latency["p99_9"],
            error_rate=step["errors"] / requests if requests else None, requests=requests,
            timeline=step["timeline"], **extra,
        )  # fmt: skip

    def value(self, which: str) -> float | None:
        return self.throughput if which == "throughput" else self.p99_ms


def relate(figures: list[Figure], baselines: dict[str, Figure]) -> None:
    """Fill each figure's ratio to its baseline (measured ÷ baseline, same quantity)."""
    for figure in figures:
        base = baselines.get(figure.baseline or "")
        mine, theirs = figure.value(figure.compare), base.value(figure.compare) if base else None
        figure.ratio = mine / theirs if mine is not None and theirs else None
        if figure.ratio_floor is not None and figure.met is not False:
            figure.met = figure.ratio is not None and figure.ratio >= figure.ratio_floor
