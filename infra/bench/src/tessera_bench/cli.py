"""`tessera-bench run [--quick]` (`make bench`) and `tessera-bench compare A B`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from tessera_bench.budget import FULL, QUICK
from tessera_bench.compare import compare_runs
from tessera_bench.run import GROUPS
from tessera_bench.run import run as run_bench

app = typer.Typer(add_completion=False, no_args_is_help=True)


@app.command()
def run(
    quick: Annotated[
        bool, typer.Option(help="every scenario for a few seconds (a smoke run)")
    ] = False,
    seed: Annotated[int, typer.Option(help="the tenant population and every random choice")] = 1,
    out: Annotated[Path | None, typer.Option(help="where BENCHMARKS.md and the plots go")] = None,
    only: Annotated[
        str, typer.Option(help=f"a comma-separated subset of {', '.join(GROUPS)}")
    ] = "",
) -> None:
    """Measure every hot path beside its raw baseline and write the report."""
    groups = frozenset(g.strip() for g in only.split(",") if g.strip()) or frozenset(GROUPS)
    if unknown := groups - set(GROUPS):
        raise typer.BadParameter(f"unknown scenario groups: {', '.join(sorted(unknown))}")
    asyncio.run(run_bench(QUICK if quick else FULL, seed, out, groups))


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="a run's JSON (.run/bench/runs/…)")],
    b: Annotated[Path, typer.Argument(help="another run's JSON")],
) -> None:
    """Two runs side by side: every figure of A beside B's, with B ÷ A."""
    compare_runs(a, b)


def main() -> None:
    app()
