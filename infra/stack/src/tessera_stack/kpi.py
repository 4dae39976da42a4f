"""`python -m tessera_stack.kpi` (`make kpi`): the running stack's KPIs beside docs/kpis.md.

Scrapes every service's /metrics, prints the table and writes it as JSON
(`.run/kpi.json` unless `--out`) for benchmarks to reuse. Counters cover each
process's life unless `--window` takes two scrapes and reports what came between.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.table import Table

from tessera_common.observability.exposition import Scrape
from tessera_common.observability.kpis import (
    STAGES,
    cost_row,
    formatted,
    mttr_row,
    report,
    uptime_row,
)
from tessera_stack.chaos import latest_path
from tessera_stack.layout import HOST, StackLayout
from tessera_stack.progress import console
from tessera_stack.services import instances

MARKS = {True: "[green]✔[/]", False: "[red]✘[/]", None: "[dim]·[/]"}


def scrape_stack(layout: StackLayout, timeout: float = 5.0) -> tuple[Scrape, list[str]]:
    """Every instance's metrics merged (both gateways, both query instances, ...), and the
    instances that did not answer."""
    scrape, missing = Scrape(), []
    with httpx.Client(timeout=timeout) as client:
        for instance in instances(layout):
            try:
                response = client.get(f"http://{HOST}:{instance.port}/metrics")
                response.raise_for_status()
            except httpx.HTTPError:
                missing.append(instance.name)
                continue
            scrape = scrape.merged(Scrape.parse(response.text))
    return scrape, missing


def kpi_table(document: dict[str, Any]) -> Table:
    table = Table("KPI", "measured", *(f"{stage} users" for stage in STAGES))
    for row in document["kpis"]:
        sign = "<" if row["better"] == "below" else ">"
        cells = []
        for stage in STAGES:
            target = row["stages"][stage]
            # A cost differs by stage: each stage's cell shows its own measured figure.
            own = f"{formatted(target['value'], row['unit'])} " if "value" in target else ""
            cells.append(
                f"{MARKS[target['pass']]} {own}{sign} {formatted(target['target'], row['unit'])}"
            )
        table.add_row(row["title"], formatted(row["value"], row["unit"]), *cells)
    return table


def _bench_cost(layout: StackLayout) -> dict[str, Any] | None:
    """The cost model of the last full `make bench` run, if there was one."""
    latest = layout.run_dir / "bench" / "latest.json"
    if not latest.exists():
        return None
    cost: dict[str, Any] | None = json.loads(latest.read_text()).get("cost")
    return cost if cost and cost.get("available") else None


def chaos_summary(layout: StackLayout) -> dict[str, Any] | None:
    """The summary of the last fault suite's run (`make chaos`), if there was one."""
    latest = latest_path(layout)
    if not latest.exists():
        return None
    summary: dict[str, Any] = json.loads(latest.read_text())
    return summary


OutOption = Annotated[
    Path | None, typer.Option(help="where to write the JSON (default .run/kpi.json)")
]
WindowOption = Annotated[float, typer.Option(help="seconds between two scrapes; 0: since start")]


def main(out: OutOption = None, window: WindowOption = 0.0) -> None:
    """Print the KPI table of the running stack and write it as JSON."""
    layout = StackLayout()
    scrape, missing = scrape_stack(layout)
    if window > 0:
        time.sleep(window)
        later, missing = scrape_stack(layout)
        scrape = later.since(scrape)
    if len(missing) == len(instances(layout)):
        console.print("[red]no service answered: is the stack up (make up)?[/]")
        raise typer.Exit(1)
    document = report(scrape) | {"unreachable": missing, "window_seconds": window or None}
    chaos = chaos_summary(layout)
    document["kpis"] += [uptime_row(chaos), mttr_row(chaos), cost_row(_bench_cost(layout))]
    target = out or layout.run_dir / "kpi.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2) + "\n")
    console.print(kpi_table(document))
    lags = document["lags"]
    console.print(
        f"consumer lag: projector {lags['projector']:.0f}, choreography "
        f"{lags['choreography']:.0f} messages   unreachable: {', '.join(missing) or 'none'}"
    )
    console.print(f"written to {target}")


if __name__ == "__main__":
    typer.run(main)
