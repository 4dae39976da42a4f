"""The OpenTelemetry collector's configuration: OTLP in from the services, Jaeger out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml
from deployment import INFRA
from deployment.compose import SERVICES, environment, service

CONFIG = INFRA / "otel-collector" / "config.yaml"


def config() -> dict[str, Any]:
    document = yaml.safe_load(CONFIG.read_text())
    assert isinstance(document, dict)
    return document


def components(kind: str) -> set[str]:
    return set(config().get(kind) or {})


def test_compose_runs_the_collector_with_this_file() -> None:
    command = service("otel-collector")["command"]
    (mount,) = service("otel-collector")["volumes"]
    source, target, _mode = mount.split(":")
    assert (INFRA.parent / source).resolve() == CONFIG
    assert command == [f"--config={target}"]


def test_every_pipeline_uses_components_the_file_defines() -> None:
    pipelines = config()["service"]["pipelines"]
    assert "traces" in pipelines
    for name, pipeline in pipelines.items():
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline.get(kind, [])) <= components(kind), (name, kind)
    assert set(config()["service"].get("extensions", [])) <= components("extensions")


def test_services_send_to_the_port_the_collector_listens_on() -> None:
    grpc = config()["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
    for name in SERVICES:
        endpoint = urlsplit(environment(name)["OTEL_EXPORTER_OTLP_ENDPOINT"])
        assert endpoint.hostname == "otel-collector"
        assert f"0.0.0.0:{endpoint.port}" == grpc, name


def test_traces_go_to_jaeger_over_otlp() -> None:
    exporters = config()["exporters"]
    (exporter,) = config()["service"]["pipelines"]["traces"]["exporters"]
    assert exporter.startswith("otlp")
    assert exporters[exporter]["endpoint"] == "jaeger:4317"
    assert "jaeger" in service("otel-collector")["depends_on"]
