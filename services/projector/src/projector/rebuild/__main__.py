"""`python -m projector.rebuild <read model>`: replay into a shadow copy, switch when caught up.

Live traffic goes on throughout: the live worker keeps projecting into the current
tables while the shadow catches up, and is held only for the final switch.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from projector.read_models import READ_MODELS
from projector.rebuild.blue_green import Rebuilt, rebuild
from projector.settings import ProjectorSettings


async def _run(name: str, console: Console) -> Rebuilt:
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"replaying into rebuild_{name}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return await rebuild(ProjectorSettings(), READ_MODELS[name], advance)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("read_model", choices=sorted(READ_MODELS))
    name = parser.parse_args().read_model
    console = Console(highlight=False)
    result = asyncio.run(_run(name, console))
    console.print(
        f"[green]✓[/] {name}: {result.events} events replayed "
        f"({result.rejected} poison skipped), switched over in {result.switch_ms:.0f} ms"
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
