"""Every few seconds: the group's lag as the broker sees it, and whether this worker moves.

The lag goes to the metrics. A worker stalled for `stall_restart_seconds` (see
projector.progress) restarts itself in place: it execs its own command line again, so it
keeps its pid and every supervisor (the local stack, compose, Kubernetes) still knows it,
and joins the group afresh. Faust cannot be restarted inside a running process, and a
worker waiting on its own rebalance would never leave it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass

import faust
import structlog
from prometheus_client import Gauge

from projector.progress import Progress
from projector.settings import WorkerSettings
from tessera_common.kafka.lag import GroupLag
from tessera_common.kafka.policies import record_lag

log = structlog.get_logger(__name__)

PROBE_INTERVAL_SECONDS = 5.0
RESTARTS_VARIABLE = "PROJECTOR_STALL_RESTARTS"
STALL_RESTARTS = Gauge(
    "tessera_projector_stall_restarts",
    "Times this worker restarted itself in place because it had stalled or crashed.",
)


@dataclass
class Watchdog:
    """Run from the worker's own start (`run`), not as a Faust timer: Faust starts an app's
    timers only once its first rebalance is over, so a worker whose rebalance never ends
    would never be judged, and never restarted."""

    app: faust.App
    lag: GroupLag
    progress: Progress
    settings: WorkerSettings

    async def run(self) -> None:
        STALL_RESTARTS.set(int(os.environ.get(RESTARTS_VARIABLE, "0")))
        while True:
            await asyncio.sleep(PROBE_INTERVAL_SECONDS)
            await self.probe()

    async def probe(self) -> None:
        try:
            offsets = await self.lag.offsets()
        except Exception as exc:  # a probe must never take the worker down
            log.warning("lag_probe_failed", error=repr(exc))
            return
        for tp, found in offsets.items():
            record_lag(self.lag.group, tp, found.lag)
        assigned = _assignment(self.app)
        mine = [found for tp, found in offsets.items() if (tp.topic, tp.partition) in assigned]
        self.progress.observe(
            committed=sum(found.committed for found in mine),
            lag=sum(found.lag for found in mine),
            rebalancing=bool(self.app.rebalancing),
        )
        stall = self.progress.stalled_for(self.settings.stall_restart_seconds)
        if stall is not None:
            restart_in_place(f"{stall.reason} for {stall.seconds:.0f}s")


def _assignment(app: faust.App) -> set[tuple[str, int]]:
    try:
        return {(tp.topic, tp.partition) for tp in app.consumer.assignment()}
    except Exception:  # not started yet, or between consumers
        return set()


def restart_in_place(reason: str, event: str = "projector_stalled_restarting") -> None:
    """Replace this process with a fresh worker (same pid, same command line)."""
    restarts = int(os.environ.get(RESTARTS_VARIABLE, "0")) + 1
    log.error(event, reason=reason, restarts=restarts)
    sys.stdout.flush()
    sys.stderr.flush()
    env = {**os.environ, RESTARTS_VARIABLE: str(restarts)}
    os.execve(sys.executable, [sys.executable, "-m", "projector", *sys.argv[1:]], env)
