"""`make bench QUICK=1`: every scenario and baseline for a few seconds, on the stack.

A smoke test of the instrument, not of the figures: the run completes, and its report,
JSON and plots hold every scenario and baseline, each of which measured something. No
figure is judged here: speed is what `make bench` reports, never what a test asserts.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tessera_stack.endpoints import Endpoints
from tessera_stack.layout import REPO_ROOT

# The quick run takes a few minutes: every scenario and baseline, a few seconds each.
pytestmark = pytest.mark.timeout(1500)
PNG = b"\x89PNG\r\n\x1a\n"
FIGURES = {
    "idle",
    *(f"reads.profile.open.{rate}" for rate in (100, 300, 1000)),
    "reads.profile.peak", "reads.directory.open.100", "reads.directory.peak",
    "reads.usage.open.300", "reads.usage.peak",
    "tracing.default", "tracing.every", "tracing",
    *(f"commands.{mix}.open.{rate}" for mix in ("create_user", "mix") for rate in (25, 50, 100)),
    "commands.create_user.peak", "commands.mix.peak",
    *(f"visibility.{mix}.{rate}" for mix in ("create_user", "mix") for rate in (25, 50, 100)),
    "ingest.batch.1000", "ingest.batch.10000", "replay.accounts",
    "scale.query.1", "scale.query.2", "scale.query", "scale.projector.1", "scale.projector.2",
    "scale.projector", "scale.shards.2", "scale.shards.3", "scale.shards",
}  # fmt: skip
BASELINES = {
    "baseline.asgi.peak", "baseline.asgi.open.300", "baseline.fastapi.peak",
    "baseline.fastapi.open.300", "baseline.nginx.peak", "baseline.nginx.open.300",
    "baseline.redis.get", "baseline.pgbench.insert", "baseline.postgres.copy",
    "baseline.kafka.produce", "baseline.kafka.consume", "baseline.kafka.end_to_end",
    "baseline.aiokafka.accounts.events",
}  # fmt: skip
SECTIONS = (
    "## Targets", "## Idle stack", "## Reads", "## Tracing cost", "## Commands",
    "## Command → visible in the read model",
    "## Usage ingest", "## Projector replay", "## Scale curve", "## Baselines",
    "## Cache hit ratio per layer", "## CPU per request, by process", "## Cost per user",
    "## Plots",
)  # fmt: skip


@pytest.fixture(scope="module")
def quick_run(endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if endpoints.source != "local":
        pytest.skip("make bench drives the local stack (its processes, CPU and scale steps)")
    out = tmp_path_factory.mktemp("bench")
    log = out / "bench.log"
    with log.open("w") as sink:
        done = subprocess.run(
            ["make", "--no-print-directory", "bench", "QUICK=1", f"BENCH_ARGS=--out {out}"],
            cwd=REPO_ROOT, stdout=sink, stderr=subprocess.STDOUT, timeout=1500, check=False,
        )  # fmt: skip
    if done.returncode:
        # The reason on one line, so that it survives a report that keeps only summaries.
        lines = [line.strip() for line in log.read_text().splitlines() if line.strip()]
        pytest.fail(f"make bench QUICK=1 exited {done.returncode}: " + " | ".join(lines[-12:]))
    return out


def document(out: Path) -> dict[str, Any]:
    report = (out / "BENCHMARKS.md").read_text()
    json_path = report.split("The JSON behind this page is `", 1)[1].split("`", 1)[0]
    path = Path(json_path) if Path(json_path).is_absolute() else REPO_ROOT / json_path
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_the_report_has_every_section_and_plot(quick_run: Path) -> None:
    report = (quick_run / "BENCHMARKS.md").read_text()
    missing = [section for section in SECTIONS if section not in report]
    assert missing == []
    plots = sorted(quick_run.glob("*.png"))
    assert [p.name for p in plots] == [
        "latency-vs-load.png", "projection-lag.png", "throughput-vs-load.png",
    ]  # fmt: skip
    assert all(p.read_bytes().startswith(PNG) for p in plots)


def test_the_json_holds_every_scenario_and_baseline_each_measured(quick_run: Path) -> None:
    run = document(quick_run)
    figures = {f["key"]: f for f in run["figures"]}
    baselines = {b["key"]: b for b in run["baselines"]}
    assert FIGURES - set(figures) == set()
    assert BASELINES - set(baselines) == set()
    unmeasured = [
        k for k, f in {**figures, **baselines}.items()
        if not (f["requests"] or (k == "idle" and f["cpu_ms_per_request"]))  # idle: no requests
    ]  # fmt: skip
    assert unmeasured == []
    for figure in figures.values():
        if figure["baseline"]:
            assert figure["baseline"] in baselines, figure["key"]
    assert run["run"]["quick"] is True
    assert 0 < run["run"]["loadgen_cpu_share"] < 1
    assert run["cost"]["available"] is True
    assert {s["users"] for s in run["cost"]["stages"]} == {1_000, 100_000, 1_000_000}
    layers = {layer["layer"] for layer in run["cache_layers"]}
    assert {"edge (NGINX)", "gateway l1", "query l1", "query l2"} <= layers
    assert run["lag_timeline"], "the projector's lag was sampled during ingest"
