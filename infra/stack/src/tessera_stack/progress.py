"""Progress lines for the stack: one line per step, with its outcome and duration."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

console = Console(highlight=False)


@contextmanager
def step(title: str) -> Iterator[None]:
    started = time.monotonic()
    console.print(f"[bold]…[/] {title}")
    try:
        yield
    except BaseException:
        console.print(f"[red]✗[/] {title} [dim]({time.monotonic() - started:.1f}s)[/]")
        raise
    console.print(f"[green]✓[/] {title} [dim]({time.monotonic() - started:.1f}s)[/]")


def note(message: str) -> None:
    console.print(f"  [dim]{message}[/]")
