"""The cost model: measured CPU per operation x a stated traffic profile, priced per core."""

from __future__ import annotations

from typing import Any

from tessera_bench.cost import cost_per_user, load_model
from tessera_bench.figures import Figure
from tessera_common.observability.kpis import cost_row


def figure(key: str, cpu: dict[str, float]) -> Figure:
    return Figure(key, "reads", key, "req/s", cpu_ms_per_request=cpu)


FIGURES = [
    figure("reads.profile.peak", {"gateway": 0.6, "query": 0.3, "redis": 0.1}),  # 1 ms
    figure("commands.mix.peak", {"accounts": 4.0, "postgres": 4.0, "kafka": 2.0}),  # 10 ms
    figure("ingest.batch.1000", {"usage": 30.0, "postgres": 20.0}),  # 50 ms per 1,000
]


def model(users: list[int]) -> dict[str, Any]:
    return {
        "profile": {
            "users": users, "users_per_tenant": 10,
            "per_user_per_day": {"reads": 86_400, "commands": 8_640, "usage_records": 86_400},
            "peak_to_average": 2.0, "target_utilisation": 0.5, "minimum_cores": 2,
        },
        "prices": {"vcpu_hour_usd": 0.05, "hours_per_month": 730, "source": "a test"},
        "targets_usd_per_user_month": {"1000": 0.25},
    }  # fmt: skip


def test_cores_follow_the_peak_traffic_times_the_cpu_of_each_operation() -> None:
    cost = cost_per_user(FIGURES, model([1000]))
    # per user at peak: 2 reads/s x 1 ms + 0.2 commands/s x 10 ms + 2 records/s x 0.05 ms
    # = 4.1 ms of CPU per second; 1,000 users: 4.1 cores busy, 8.2 at 50 %: 9 cores.
    (stage,) = cost["stages"]
    assert stage["cores"] == 9
    assert stage["usd_per_month"] == round(9 * 0.05 * 730, 2)
    assert stage["usd_per_user_month"] == 9 * 0.05 * 730 / 1000
    assert stage["met"] is False
    assert cost["throughput_per_core"]["reads"] == 1000.0


def test_a_small_stage_still_pays_for_the_minimum_cores() -> None:
    (stage,) = cost_per_user(FIGURES, model([1]))["stages"]
    assert stage["cores"] == 2


def test_without_a_cpu_figure_there_is_no_cost() -> None:
    cost = cost_per_user(FIGURES[:1], model([1000]))
    assert cost == {"available": False, "missing": "commands.mix.peak"}


def test_the_committed_model_names_its_price_source_and_every_stage() -> None:
    committed = load_model()
    assert committed["prices"]["source"]
    assert committed["profile"]["users"] == [1_000, 100_000, 1_000_000]
    assert set(committed["targets_usd_per_user_month"]) == {"1000", "100000", "1000000"}


def test_the_kpi_row_judges_each_stage_by_its_own_cost() -> None:
    cost = cost_per_user(FIGURES, load_model())
    row = cost_row(cost)
    stages = {s["users"]: s for s in cost["stages"]}
    assert row["stages"]["1M"]["value"] == stages[1_000_000]["usd_per_user_month"]
    assert row["stages"]["1k"]["pass"] == (stages[1_000]["usd_per_user_month"] <= 2.5)
    assert row["value"] == row["stages"]["1M"]["value"]
    assert all(s["pass"] is None for s in cost_row(None)["stages"].values())
