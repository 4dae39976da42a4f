"""CPU time of the stack's processes, by component, from /proc.

A component is a process the stack started (its pid file) or a Postgres server (its
postmaster.pid), with every descendant: Postgres backends, NGINX workers. Other stacks
on the same machine are not counted.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tessera_stack.layout import StackLayout

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSnapshot:
    seconds: dict[str, float]  # component -> CPU seconds (user + system) so far

    def since(self, earlier: CpuSnapshot) -> dict[str, float]:
        return {
            name: max(0.0, value - earlier.seconds.get(name, 0.0))
            for name, value in self.seconds.items()
        }


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _roots(layout: StackLayout) -> dict[int, str]:
    roots: dict[int, str] = {}
    for pid_file in layout.pids_dir.glob("*.pid"):
        try:
            roots[int(pid_file.read_text().split()[0])] = pid_file.stem
        except (ValueError, IndexError):
            continue
    for postmaster in (layout.run_dir / "pg").glob("*/postmaster.pid"):
        try:
            roots[int(postmaster.read_text().splitlines()[0])] = (
                f"postgres-{postmaster.parent.name}"
            )
        except (ValueError, IndexError):
            continue
    return roots


def component(name: str) -> str:
    """The service a process belongs to: `query-1` -> `query`, `postgres-shard-0` -> `postgres`."""
    if name.startswith("postgres"):
        return "postgres"
    base, _, index = name.rpartition("-")
    return base if index.isdigit() and base else name


def snapshot(layout: StackLayout, extra: Mapping[int, str] | None = None) -> CpuSnapshot:
    """CPU seconds per component (instances summed), including `extra` pids' trees."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = stat
    roots = {**_roots(layout), **(extra or {})}
    seconds: dict[str, float] = {}
    for pid, (_, cpu) in stats.items():
        owner, cursor = None, pid
        for _ in range(64):  # walk up to a root of ours, or to init
            if cursor in roots:
                owner = roots[cursor]
                break
            parent = stats.get(cursor)
            if parent is None or parent[0] <= 1:
                break
            cursor = parent[0]
        if owner is not None:
            name = component(owner)
            seconds[name] = seconds.get(name, 0.0) + cpu
    return CpuSnapshot(seconds)
