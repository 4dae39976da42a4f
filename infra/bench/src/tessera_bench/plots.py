"""The report's plots (PNG): latency and throughput against offered load, and the
projector's lag over time during ingest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

SERIES = {
    "reads.profile.open.": "cached tenant read",
    "commands.create_user.open.": "create user",
    "commands.mix.open.": "command mix",
}


def _series(figures: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    found = [f for f in figures if f["key"].startswith(prefix) and f["offered"]]
    return sorted(found, key=lambda f: f["offered"])


def latency_vs_load(figures: list[dict[str, Any]], target: Path) -> Path:
    fig, axes = plt.subplots(1, len(SERIES), figsize=(13, 4), sharey=True)
    for axis, (prefix, title) in zip(axes, SERIES.items(), strict=True):
        points = _series(figures, prefix)
        offered = [p["offered"] for p in points]
        for field, label in (("p50_ms", "p50"), ("p99_ms", "p99"), ("p999_ms", "p99.9")):
            axis.plot(offered, [p[field] for p in points], marker="o", label=label)
        axis.set(title=title, xlabel="offered load (per second, open loop)", yscale="log")
        axis.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("latency (ms)")
    axes[0].legend()
    return _save(fig, target / "latency-vs-load.png")


def throughput_vs_load(figures: list[dict[str, Any]], target: Path) -> Path:
    fig, axis = plt.subplots(figsize=(6, 4.5))
    highest = 1.0
    for prefix, title in SERIES.items():
        points = _series(figures, prefix)
        offered = [p["offered"] for p in points]
        axis.plot(offered, [p["throughput"] for p in points], marker="o", label=title)
        highest = max([highest, *offered])
    axis.plot([0, highest], [0, highest], linestyle=":", color="grey", label="offered = served")
    axis.set(xlabel="offered load (per second)", ylabel="served (successful per second)")
    axis.grid(True, alpha=0.3)
    axis.legend()
    return _save(fig, target / "throughput-vs-load.png")


def lag_over_time(timeline: list[dict[str, Any]], target: Path) -> Path:
    fig, axis = plt.subplots(figsize=(8, 4))
    for step in sorted({p["step"] for p in timeline}):
        points = [p for p in timeline if p["step"] == step]
        axis.plot([p["t"] for p in points], [p["total"] for p in points], label=step)
    axis.set(xlabel="seconds since the step began", ylabel="projector lag (events behind)")
    axis.set_title("projection lag during ingest, then its drain")
    axis.grid(True, alpha=0.3)
    if timeline:
        axis.legend()
    return _save(fig, target / "projection-lag.png")


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
