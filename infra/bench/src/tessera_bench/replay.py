"""`python -m tessera_bench.replay <read model>`: the rebuild path, timed, as one worker.

It runs `make rebuild`'s own code (replay into a shadow copy, then the switch-over) in a
process of its own, so its CPU is its own, and prints what it did as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from projector.read_models import READ_MODELS
from projector.rebuild.blue_green import rebuild
from projector.settings import ProjectorSettings
from tessera_bench import cpu
from tessera_bench.figures import Figure
from tessera_bench.load import Session


async def _replay(name: str) -> dict[str, float]:
    started, cpu = time.perf_counter(), time.process_time()
    result = await rebuild(ProjectorSettings(), READ_MODELS[name])
    return {
        "events": result.events,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "switch_ms": result.switch_ms,
    }


async def replay_figure(session: Session, read_model: str, topic: str) -> Figure:
    """The rebuild of `read_model` as a figure, in events per second of its one worker."""
    session.progress(f"replay: rebuilding the {read_model} read model from {topic}")
    before = cpu.snapshot(session.layout)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tessera_bench.replay", read_model,
        stdout=asyncio.subprocess.PIPE, stderr=sys.stderr,
    )  # fmt: skip
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the {read_model} rebuild failed ({process.returncode})")
    used = cpu.snapshot(session.layout).since(before)
    done = json.loads(out.decode().strip().splitlines()[-1])  # after any log line
    events = done["events"]
    # The rate of the replay itself: the switch-over holds live writers and is a fixed cost.
    replaying = done["seconds"] - done["switch_ms"] / 1000
    return Figure(
        f"replay.{read_model}", "replay", f"projector replay ({topic}, one worker, rebuild path)",
        "events/s", throughput=events / replaying, requests=events, error_rate=0.0,
        baseline=f"baseline.aiokafka.{topic}", ratio_floor=0.30,
        target="≥ 10,000 events/s per worker, ≥ 0.30 × raw aiokafka",
        met=events / replaying >= 10_000,
        cpu_ms_per_request={
            "replay": round(done["cpu_seconds"] * 1000 / events, 4) if events else 0.0,
            **{k: round(v * 1000 / events, 4) for k, v in used.items() if v > 0 and events},
        },
        notes=f"{events:,} events replayed in {replaying:.1f}s, then the switch-over in "
        f"{done['switch_ms']:.0f} ms",
    )  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_replay(sys.argv[1]))))
