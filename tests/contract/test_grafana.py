"""Grafana's provisioning and dashboards as code: structure, queries, metric names."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from deployment import INFRA
from deployment.compose import service
from deployment.metrics import route_exclusions, selectors, unknown_references

from tessera_common.observability.kpis import UNMEASURED_ROUTES_REGEX

GRAFANA = INFRA / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
GRID_COLUMNS = 24
# Grafana's built-in interval variables, at a value PromQL accepts.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}
KPI_METRICS = {
    "P99 latency": "tessera_http_request_duration_seconds_bucket",
    "error rate": "tessera_http_errors_total",
    "DB query time": "tessera_db_query_duration_seconds_bucket",
    "cache hit ratio": "tessera_cache_lookups_total",
    "uptime": "up",
}
PIPELINE_METRICS = {
    "outbox backlog": "tessera_outbox_backlog",
    "outbox age": "tessera_outbox_oldest_unsent_age_seconds",
    "Kafka publishing": "tessera_outbox_published_total",
    "Kafka produce time": "tessera_kafka_produce_duration_seconds_bucket",
    "projector consumer lag": "tessera_consumer_lag_messages",
    "projector throughput": "tessera_projector_events_applied_total",
    "read-model lag": "tessera_projection_lag_seconds_bucket",
}


def provisioning(kind: str) -> dict[str, Any]:
    (path,) = (GRAFANA / "provisioning" / kind).glob("*.yml")
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    return document


@cache
def dashboard(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text())
    assert isinstance(document, dict)
    return document


def queries(board: dict[str, Any]) -> list[str]:
    exprs = [t["expr"] for panel in board["panels"] for t in panel.get("targets", [])]
    for variable, value in GRAFANA_VARIABLES.items():
        exprs = [expr.replace(variable, value) for expr in exprs]
    return exprs


def metrics_read(board: dict[str, Any]) -> set[str]:
    return {name for expr in queries(board) for name, _ in selectors(expr)}


def mount_target(source: str) -> str:
    (volume,) = [v for v in service("grafana")["volumes"] if v.startswith(f"{source}:")]
    return str(volume.split(":")[1])


def test_datasource_is_the_compose_prometheus() -> None:
    (datasource,) = provisioning("datasources")["datasources"]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    assert "prometheus" in service("grafana")["depends_on"]


def test_dashboard_provider_reads_the_mounted_folder() -> None:
    (provider,) = provisioning("dashboards")["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == mount_target("./infra/grafana/dashboards")
    assert mount_target("./infra/grafana/provisioning") == "/etc/grafana/provisioning"


def test_home_dashboard_is_one_of_the_files() -> None:
    home = service("grafana")["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    folder = mount_target("./infra/grafana/dashboards")
    assert home.startswith(f"{folder}/")
    assert (GRAFANA / "dashboards" / home.removeprefix(f"{folder}/")).exists()


def test_dashboards_have_unique_uids() -> None:
    uids = [dashboard(path)["uid"] for path in DASHBOARDS]
    assert len(DASHBOARDS) >= 2
    assert len(uids) == len(set(uids))


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_structure(path: Path) -> None:
    board = dashboard(path)
    assert {"uid", "title", "panels", "schemaVersion", "time"} <= set(board)
    assert re.fullmatch(r"[a-z0-9-]{1,40}", board["uid"])
    (datasource,) = provisioning("datasources")["datasources"]
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for panel in board["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= GRID_COLUMNS, panel["title"]
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        assert panel["targets"], f"{panel['title']} queries nothing"
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_queries_parse_and_read_known_metrics(path: Path) -> None:
    for expr in queries(dashboard(path)):
        assert unknown_references(expr) == [], expr


def by_uid(uid: str) -> dict[str, Any]:
    return next(dashboard(p) for p in DASHBOARDS if dashboard(p)["uid"] == uid)


@pytest.mark.parametrize(("kpi", "metric"), KPI_METRICS.items())
def test_kpi_dashboard_shows_every_kpi(kpi: str, metric: str) -> None:
    assert metric in metrics_read(by_uid("tessera-kpis")), kpi


@pytest.mark.parametrize(("stage", "metric"), PIPELINE_METRICS.items())
def test_pipeline_dashboard_follows_every_stage(stage: str, metric: str) -> None:
    assert metric in metrics_read(by_uid("tessera-pipeline")), stage


@pytest.mark.parametrize("path", DASHBOARDS, ids=[p.stem for p in DASHBOARDS])
def test_panels_on_http_series_leave_out_probes_scrapes_and_the_status_page(path: Path) -> None:
    for query in queries(dashboard(path)):
        assert set(route_exclusions(query)) <= {UNMEASURED_ROUTES_REGEX}, query
