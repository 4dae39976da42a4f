"""`python -m tessera_stack.chaos` (`make chaos` runs it after the fault suite): the rounds
the suite left in .run/chaos/rounds, one row per fault, printed as a table and written to
.run/chaos/latest.json, which `make kpi` reads for its uptime and MTTR rows."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from statistics import mean
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tessera_stack.layout import StackLayout
from tessera_stack.progress import console

INVARIANTS = ("lost", "duplicate", "phantom", "stale", "order")
FIGURES = ("to_first_failure", "to_recover", "to_converge")


def rounds_dir(layout: StackLayout) -> Path:
    return layout.run_dir / "chaos" / "rounds"


def latest_path(layout: StackLayout) -> Path:
    return layout.run_dir / "chaos" / "latest.json"


def _mean(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return round(mean(found), 3) if found else None


def fault_row(fault: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Every round of one fault: invariants and statuses summed, figures averaged, uptime
    over all their seconds."""
    seconds = sum(r["seconds"] for r in rounds)
    statuses: Counter[str] = Counter()
    for r in rounds:
        statuses.update(r["statuses"])
    row: dict[str, Any] = {
        "fault": fault,
        "rounds": len(rounds),
        **{k: sum(r["invariants"][k] for r in rounds) for k in INVARIANTS},
        "unacceptable": sum(r["unacceptable"] for r in rounds),
        **{k: _mean([r[k] for r in rounds]) for k in FIGURES},
        "converged": all(r["to_converge"] is not None for r in rounds),
        "uptime": sum(r["uptime"] * r["seconds"] for r in rounds) / seconds if seconds else None,
        "seconds": seconds,
        "commands": sum(r["commands"] for r in rounds),
        "acknowledged": sum(r["acknowledged"] for r in rounds),
        "statuses": dict(sorted(statuses.items())),
    }
    row["passed"] = (
        row["converged"] and not row["unacceptable"] and not any(row[k] for k in INVARIANTS)
    )
    return row


def summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows, and the run's uptime and MTTR: the mean time from a heal to every read
    model converged, over every round of every fault."""
    faults = sorted({r["fault"] for r in rounds})
    rows = [fault_row(f, [r for r in rounds if r["fault"] == f]) for f in faults]
    seconds = sum(r["seconds"] for r in rounds)
    return {
        "faults": rows,
        "rounds": len(rounds),
        "passed": all(row["passed"] for row in rows),
        "uptime": sum(r["uptime"] * r["seconds"] for r in rounds) / seconds if seconds else None,
        "mttr_seconds": _mean([r["to_converge"] for r in rounds]),
    }


def read_rounds(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


HEAD = ("fault", "rounds", *INVARIANTS, "non-acceptable", "to first failure", "to recover",
        "to converge", "uptime")  # fmt: skip
# The same columns, narrow enough for a terminal.
SHORT = ("fault", "rounds", "lost", "dup", "phantom", "stale", "order", "refused", "1st fail",
         "recover", "converge", "uptime")  # fmt: skip


def _cells(row: dict[str, Any]) -> list[str]:
    uptime = "—" if row["uptime"] is None else f"{row['uptime'] * 100:.1f} %"
    return [
        row["fault"], str(row["rounds"]), *(str(row[k]) for k in INVARIANTS),
        str(row["unacceptable"]), *(_seconds(row[k]) for k in FIGURES), uptime,
    ]  # fmt: skip


def chaos_table(document: dict[str, Any]) -> Table:
    table = Table()
    for name in SHORT:
        table.add_column(name, no_wrap=True)
    for row in document["faults"]:
        table.add_row(*_cells(row))
    return table


def markdown(document: dict[str, Any]) -> str:
    """The table as the README shows it."""
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in document["faults"]]
    return "\n".join(lines)


MarkdownOption = Annotated[bool, typer.Option(help="also print the table as Markdown")]


def main(markdown_table: MarkdownOption = False) -> None:
    """Tabulate the fault suite's rounds and write .run/chaos/latest.json."""
    layout = StackLayout()
    rounds = read_rounds(rounds_dir(layout))
    if not rounds:
        console.print("[red]no rounds in .run/chaos/rounds: run the fault suite (make chaos)[/]")
        raise typer.Exit(1)
    document = summary(rounds)
    target = latest_path(layout)
    target.write_text(json.dumps(document, indent=2) + "\n")
    # Wide enough for every column, also when the output is not a terminal.
    Console(highlight=False, width=max(console.width, 140)).print(chaos_table(document))
    for row in document["faults"]:
        seen = ", ".join(f"{status}: {n}" for status, n in row["statuses"].items())
        console.print(f"[bold]{row['fault']}[/] statuses: {seen}")
    uptime = document["uptime"]
    console.print(
        f"{document['rounds']} rounds   uptime {uptime * 100:.2f} %   "
        f"MTTR (heal → converged) {_seconds(document['mttr_seconds'])}   written to {target}"
    )
    if markdown_table:
        print(markdown(document))  # for pasting: unwrapped
    if not document["passed"]:
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
