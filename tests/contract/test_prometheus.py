"""Prometheus's configuration and alert rules, parsed offline: structure, PromQL, names."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from deployment import INFRA
from deployment.compose import SERVICE_PORT, SERVICES, service
from deployment.metrics import route_exclusions, selectors, unknown_references

from tessera_common.observability.kpis import UNMEASURED_ROUTES, UNMEASURED_ROUTES_REGEX
from tessera_stack.layout import StackLayout
from tessera_stack.prometheus import local_config

PROMETHEUS = INFRA / "prometheus"
DURATION = re.compile(r"(\d+(ms|s|m|h|d|w|y))+")
SEVERITIES = {"page", "ticket"}


@cache
def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((PROMETHEUS / name).read_text())
    assert isinstance(document, dict)
    return document


def rules() -> list[dict[str, Any]]:
    return [rule for group in load("alerts.yml")["groups"] for rule in group["rules"]]


def alert_names() -> list[str]:
    return [rule["alert"] for rule in rules()]


def rule(name: str) -> dict[str, Any]:
    return next(r for r in rules() if r["alert"] == name)


def scrape_jobs() -> dict[str, dict[str, Any]]:
    return {job["job_name"]: job for job in load("prometheus.yml")["scrape_configs"]}


def test_config_loads_the_alert_rules_compose_mounts() -> None:
    mounts = [v for v in service("prometheus")["volumes"] if v.startswith("./infra/prometheus:")]
    assert mounts == ["./infra/prometheus:/etc/prometheus:ro"]
    # Relative to the config: /etc/prometheus/alerts.yml in compose, beside it here.
    assert load("prometheus.yml")["rule_files"] == ["alerts.yml"]
    for key in ("scrape_interval", "evaluation_interval"):
        assert DURATION.fullmatch(load("prometheus.yml")["global"][key]), key


@pytest.mark.parametrize("name", SERVICES)
def test_every_instance_of_every_service_is_scraped(name: str) -> None:
    """DNS discovery on the compose name: each replica of a scaled service is a target."""
    job = scrape_jobs()[name]
    assert job["dns_sd_configs"] == [
        {"names": [name], "type": "A", "port": SERVICE_PORT, "refresh_interval": "15s"}
    ]
    assert job.get("metrics_path", "/metrics") == "/metrics"


def test_job_names_are_unique() -> None:
    jobs = [job["job_name"] for job in load("prometheus.yml")["scrape_configs"]]
    assert len(jobs) == len(set(jobs))


def test_alert_names_are_unique_and_grouped() -> None:
    assert len(alert_names()) == len(set(alert_names())) > 0
    for group in load("alerts.yml")["groups"]:
        assert set(group) <= {"name", "rules", "interval"}, group["name"]


@pytest.mark.parametrize("name", alert_names())
def test_alert_rule_is_well_formed(name: str) -> None:
    alert = rule(name)
    assert set(alert) <= {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
    assert "for" not in alert or DURATION.fullmatch(alert["for"])
    assert alert["labels"]["severity"] in SEVERITIES
    assert {"summary", "description"} <= set(alert["annotations"])


@pytest.mark.parametrize("name", alert_names())
def test_alert_expression_parses_and_reads_known_metrics(name: str) -> None:
    expr = rule(name)["expr"]
    assert selectors(expr), "an alert reads no metric"
    assert unknown_references(expr) == []


@pytest.mark.parametrize(
    "metric",
    [
        "tessera_http_request_duration_seconds_bucket",
        "tessera_http_errors_total",
        "tessera_db_query_duration_seconds_bucket",
        "tessera_cache_lookups_total",
        "tessera_projection_lag_seconds_bucket",
        "tessera_outbox_oldest_unsent_age_seconds",
        "tessera_consumer_lag_messages",
        "up",
    ],
)
def test_every_objective_has_an_alert(metric: str) -> None:
    read = {name for rule in rules() for name, _ in selectors(rule["expr"])}
    assert metric in read


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("rate(tessera_http_requests_totl[5m])", "unknown metric"),
        ('tessera_outbox_backlog{region="eu"}', "no label 'region'"),
    ],
)
def test_the_name_check_catches_a_typo(query: str, problem: str) -> None:
    assert any(problem in found for found in unknown_references(query))


def test_the_parser_rejects_broken_promql() -> None:
    with pytest.raises(ValueError, match="paren"):
        selectors("sum(rate(tessera_http_requests_total[5m])")


def test_the_unmeasured_routes_regex_names_exactly_those_make_kpi_leaves_out() -> None:
    assert set(UNMEASURED_ROUTES_REGEX.split("|")) == UNMEASURED_ROUTES
    assert {"/status", "/status.json"} <= UNMEASURED_ROUTES


@pytest.mark.parametrize("name", [n for n in alert_names() if route_exclusions(rule(n)["expr"])])
def test_alerts_on_http_series_leave_out_probes_scrapes_and_the_status_page(name: str) -> None:
    assert set(route_exclusions(rule(name)["expr"])) == {UNMEASURED_ROUTES_REGEX}


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.skip("promtool is missing: `make up` installs Debian's prometheus package")
    return found


def test_promtool_accepts_the_committed_config_and_rules_as_they_are(promtool: str) -> None:
    checked = subprocess.run(
        [promtool, "check", "config", str(PROMETHEUS / "prometheus.yml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "rules found" in checked.stdout  # the alert rules were read and checked too


def test_the_local_stack_s_config_scrapes_every_instance_and_loads_the_rules(
    promtool: str, tmp_path: Path
) -> None:
    layout = StackLayout()
    config = local_config(layout)
    assert config["rule_files"] == [str(PROMETHEUS / "alerts.yml")]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for name, ports in layout.instance_ports.items():
        (static,) = jobs[name]["static_configs"]
        assert static["targets"] == [f"127.0.0.1:{port}" for port in ports]
    assert set(jobs) == {*SERVICES, "prometheus"}
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    checked = subprocess.run(
        [promtool, "check", "config", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
