"""`make chaos`'s table and the uptime and MTTR rows `make kpi` reads from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tessera_common.observability.kpis import mttr_row, uptime_row
from tessera_stack.chaos import latest_path, markdown, summary
from tessera_stack.kpi import chaos_summary
from tessera_stack.layout import StackLayout


def a_round(fault: str, *, lost: int = 0, uptime: float = 1.0, converge: float | None = 4.0,
            seconds: int = 20) -> dict[str, Any]:  # fmt: skip
    return {
        "fault": fault,
        "invariants": {"lost": lost, "duplicate": 0, "phantom": 0, "stale": 0, "order": 0},
        "statuses": {"201": 10, "503 shard-unavailable": 2}, "unacceptable": 0,
        "commands": 12, "acknowledged": 12, "lag": 0, "to_first_failure": 0.5,
        "to_recover": 1.0, "to_converge": converge, "uptime": uptime, "seconds": seconds,
    }  # fmt: skip


def test_rounds_of_a_fault_are_summed_and_averaged() -> None:
    document = summary([
        a_round("redis-kill", uptime=0.9, converge=2.0),
        a_round("redis-kill", uptime=0.8, converge=4.0, seconds=10),
        a_round("shard-stop", lost=1),
    ])  # fmt: skip
    redis, shard = document["faults"]
    assert (redis["fault"], redis["rounds"], redis["to_converge"]) == ("redis-kill", 2, 3.0)
    assert redis["uptime"] == (0.9 * 20 + 0.8 * 10) / 30
    assert redis["statuses"] == {"201": 20, "503 shard-unavailable": 4}
    assert redis["passed"]
    assert not shard["passed"]
    assert not document["passed"]
    assert document["mttr_seconds"] == round((2.0 + 4.0 + 4.0) / 3, 3)
    assert "| redis-kill | 2 | 0 | 0 | 0 | 0 | 0 | 0 |" in markdown(document)


def test_a_round_that_never_converged_fails_its_fault() -> None:
    (row,) = summary([a_round("broker-kill", converge=None)])["faults"]
    assert row["to_converge"] is None
    assert not row["passed"]


def test_without_a_chaos_run_the_rows_are_empty() -> None:
    for row in (uptime_row(None), mttr_row(None)):
        assert row["value"] is None
        assert all(stage["pass"] is None for stage in row["stages"].values())


def test_the_rows_judge_each_stage() -> None:
    uptime = uptime_row({"uptime": 0.9996, "mttr_seconds": 600.0})
    assert [s["pass"] for s in uptime["stages"].values()] == [True, True, False]
    mttr = mttr_row({"uptime": 0.9996, "mttr_seconds": 600.0})
    assert [s["pass"] for s in mttr["stages"].values()] == [True, True, False]


def test_make_kpi_reads_the_last_run(tmp_path: Path) -> None:
    layout = StackLayout(root=tmp_path)
    assert chaos_summary(layout) is None
    latest_path(layout).parent.mkdir(parents=True)
    latest_path(layout).write_text(json.dumps(summary([a_round("gateway-kill")])))
    found = chaos_summary(layout)
    assert found is not None
    assert uptime_row(found)["value"] == 1.0
    assert mttr_row(found)["value"] == 4.0
