"""`make bench-compare A=… B=…`: two runs' figures side by side.

Absolute figures of runs on different machines do not compare; their ratios to the
baselines of their own run do, so both are shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from tessera_stack.progress import console


def _figures(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    document = json.loads(path.read_text())
    every = document["baselines"] + document["figures"]
    return document["run"], {f["key"]: f for f in every}


def _change(a: float | None, b: float | None) -> str:
    if a is None or b is None or a == 0:
        return "—"
    return f"{b / a:.2f} ×"


def _value(figure: dict[str, Any] | None, field: str) -> float | None:
    return None if figure is None else figure.get(field)


def _show(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def compare_runs(a: Path, b: Path) -> None:
    run_a, figures_a = _figures(a)
    run_b, figures_b = _figures(b)
    console.print(f"A: {a} ({run_a['date']}, {run_a['commit']['sha']})")
    console.print(f"B: {b} ({run_b['date']}, {run_b['commit']['sha']})")
    table = Table("figure", "A", "B", "B ÷ A", "A p99 ms", "B p99 ms", "ratio A", "ratio B")
    for key in [*figures_a, *(k for k in figures_b if k not in figures_a)]:
        fa, fb = figures_a.get(key), figures_b.get(key)
        table.add_row(
            key,
            _show(_value(fa, "throughput")), _show(_value(fb, "throughput")),
            _change(_value(fa, "throughput"), _value(fb, "throughput")),
            _show(_value(fa, "p99_ms")), _show(_value(fb, "p99_ms")),
            _show(_value(fa, "ratio")), _show(_value(fb, "ratio")),
        )  # fmt: skip
    console.print(table)
