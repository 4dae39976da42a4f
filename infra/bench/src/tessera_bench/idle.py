"""The idle stack: the CPU the whole stack uses with no traffic at all, as a share of one
core, and per component. What it does then (consumers' polls, health checks, relays,
scrapes, the broker's own work) is paid on every machine it runs on, loaded or not."""

from __future__ import annotations

import asyncio
import time

from tessera_bench.cpu import snapshot
from tessera_bench.figures import Figure
from tessera_bench.load import Session

TARGET_SHARE = 0.05  # of one core


async def idle_figure(session: Session, seconds: float) -> Figure:
    """CPU over `seconds` with nothing sent; its throughput is the share of one core, in
    percent, and its CPU table row is milliseconds of CPU per second."""
    before, started = snapshot(session.layout), time.monotonic()
    await asyncio.sleep(seconds)
    used, elapsed = snapshot(session.layout).since(before), time.monotonic() - started
    share = sum(used.values()) / elapsed
    per_second = {name: round(cpu * 1000 / elapsed, 3) for name, cpu in sorted(used.items())}
    busiest = sorted(per_second.items(), key=lambda item: -item[1])[:4]
    return Figure(
        key="idle", group="idle", title="idle stack, no traffic", unit="% of a core",
        throughput=round(share * 100, 2), target=f"≤ {TARGET_SHARE:.0%} of one core",
        met=share <= TARGET_SHARE, cpu_ms_per_request=per_second,
        notes=f"{elapsed:.0f} s; busiest: "
        + ", ".join(f"{name} {ms / 10:.1f} %" for name, ms in busiest),
    )  # fmt: skip
