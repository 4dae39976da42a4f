"""Cost per user: measured CPU per operation × a stated traffic profile at its peak,
priced per core from a price table that is data (`infra/bench/cost_model.json`)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from tessera_bench.figures import Figure
from tessera_stack.layout import REPO_ROOT

MODEL = REPO_ROOT / "infra" / "bench" / "cost_model.json"
# Which measured figure gives the CPU cost of each kind of traffic: the saturation steps,
# where the stack's idle work (probes, relays' polls, lag probes) weighs least per request.
SOURCES = {
    "reads": "reads.profile.peak",
    "commands": "commands.mix.peak",
    "usage_records": "ingest.batch.1000",
}
PER = {"reads": 1, "commands": 1, "usage_records": 1000}  # ingest CPU is per 1,000 records


def load_model(path: Path = MODEL) -> dict[str, Any]:
    model: dict[str, Any] = json.loads(path.read_text())
    return model


def stack_cpu_ms(figure: Figure) -> float:
    """CPU ms per operation summed over every process of the stack."""
    return sum(figure.cpu_ms_per_request.values())


def cost_per_user(figures: list[Figure], model: dict[str, Any]) -> dict[str, Any]:
    by_key = {f.key: f for f in figures}
    cpu_ms = {}
    for kind, key in SOURCES.items():
        figure = by_key.get(key)
        if figure is None or not figure.cpu_ms_per_request:
            return {"available": False, "missing": key}
        cpu_ms[kind] = stack_cpu_ms(figure) / PER[kind]
    profile, prices = model["profile"], model["prices"]
    stages = []
    for users in profile["users"]:
        peak_per_second = {
            kind: users * per_day / 86_400 * profile["peak_to_average"]
            for kind, per_day in profile["per_user_per_day"].items()
        }
        busy_cores = sum(peak_per_second[kind] * cpu_ms[kind] / 1000 for kind in cpu_ms)
        cores = max(profile["minimum_cores"], math.ceil(busy_cores / profile["target_utilisation"]))
        monthly = cores * prices["vcpu_hour_usd"] * prices["hours_per_month"]
        target = model["targets_usd_per_user_month"].get(str(users))
        stages.append({
            "users": users, "cores": cores, "usd_per_month": round(monthly, 2),
            "usd_per_user_month": monthly / users, "target_usd_per_user_month": target,
            "met": None if target is None else monthly / users <= target,
        })  # fmt: skip
    return {
        "available": True,
        "cpu_ms_per_operation": {k: round(v, 4) for k, v in cpu_ms.items()},
        "throughput_per_core": {k: round(1000 / v, 1) if v else None for k, v in cpu_ms.items()},
        "profile": profile, "prices": prices, "stages": stages,
    }  # fmt: skip
