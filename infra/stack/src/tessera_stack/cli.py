"""`tessera-stack up|down|status|logs`: the local stack, as `make` runs it."""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import typer
from rich.table import Table

from tessera_common.sharding.topology import TopologyError
from tessera_common.vocabulary import Region
from tessera_stack.progress import console
from tessera_stack.shards import add_shard, grow_ring, isolate_tenant
from tessera_stack.stack import LocalStack

app = typer.Typer(add_completion=False, no_args_is_help=True)


@app.command()
def up() -> None:
    """Install what is missing, start everything, wait until it is ready."""
    began = time.monotonic()
    started = LocalStack().up()
    took = time.monotonic() - began
    console.print(
        f"[bold green]stack up[/] in {took:.1f}s: started {', '.join(started) or 'nothing'}"
    )


@app.command()
def down() -> None:
    """Stop exactly what `up` started."""
    LocalStack().down()


@app.command()
def status() -> None:
    """Each component and its health."""
    table = Table("component", "address", "state")
    rows = LocalStack().status()
    for component, address, state in rows:
        colour = "green" if state == "up" else "red"
        table.add_row(component, address, f"[{colour}]{state}[/]")
    console.print(table)
    if any(state != "up" for _, _, state in rows):
        raise typer.Exit(1)


@app.command("shard-add")
def shard_add(
    shard: str = typer.Option(..., help="the new shard's name, e.g. shard-3"),
    region: str = typer.Option(
        "", help="the region whose new tenants may land on it; empty for none"
    ),
) -> None:
    """Start a new shard server, migrate every service's schema onto it, and add it to the
    shard topology that every process follows."""
    try:
        added = add_shard(LocalStack(), shard, Region(region) if region else None)
    except (ValueError, TopologyError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(
        f"[bold green]{shard} added[/] at :{added.server.port}: topology version "
        f"{added.topology.version}, followed by every process in {added.followed_seconds:.2f}s"
    )


@app.command("isolate-tenant")
def isolate(tenant: str = typer.Option(..., help="the tenant's id")) -> None:
    """Give a tenant a shard server of its own: a new server in no region's group, kept for
    it alone, and the tenant's move there."""
    try:
        moved = isolate_tenant(LocalStack(), uuid.UUID(tenant))
    except (ValueError, TopologyError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(moved)


@app.command("ring-grow")
def ring_grow(
    shard: str = typer.Option(..., help="a shard of the topology, not in the billing ring"),
    pause: float = typer.Option(0.1, help="seconds between two tenants' moves"),
) -> None:
    """Grow the billing ring onto a shard: move exactly the tenants the wider ring
    reassigns, one at a time, then make the wider ring the ring."""
    try:
        grown = grow_ring(LocalStack(), shard, pause)
    except (ValueError, TopologyError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(grown)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(context: typer.Context) -> None:
    """Run a command with the local stack's service environment (its ports follow
    TESSERA_PORT_OFFSET); variables already set in the environment win."""
    environment = {**LocalStack().environment, **os.environ}
    raise typer.Exit(subprocess.run(context.args, env=environment, check=False).returncode)


@app.command()
def logs(component: str = typer.Argument("", help="e.g. gateway, kafka; empty for all")) -> None:
    """Follow the logs under .run/logs."""
    logs_dir = LocalStack().layout.logs_dir
    files = sorted(logs_dir.glob(f"*{component}*.log"))
    if not files:
        raise typer.BadParameter(f"no log matches {component!r} in {logs_dir}")
    subprocess.run(["tail", "-n", "50", "-F", *map(str, files)], check=False)


def main() -> None:
    app()
