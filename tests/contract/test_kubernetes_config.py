"""infra/k8s against the code: each container's environment against its settings class,
its command against compose's, every address a rendered Service, shards pinned by region."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from deployment.compose import (
    LOOPBACK,
    OTEL_VARIABLES,
    PROCESS_SETTINGS,
    addresses,
)
from deployment.compose import command as compose_command
from deployment.kubernetes import OVERLAYS, Document, containers, generated, of_kind, render

from tessera_common.settings import ShardSettings, env_names

PYTHON_WORKLOADS = tuple(PROCESS_SETTINGS)  # the services and the init jobs
REGION_LABEL = "tessera.io/region"
NODE_REGION = "topology.kubernetes.io/region"
GENERATED = {
    "configMapKeyRef": ("ConfigMap", "tessera-config"),
    "secretKeyRef": ("Secret", "tessera-secrets"),
}


def workload(docs: list[Document], name: str) -> Document:
    return {**of_kind(docs, "Deployment"), **of_kind(docs, "Job")}[name]


def data(docs: list[Document], kind: str, name: str) -> dict[str, str]:
    found = generated(docs, kind, name)
    if kind == "Secret":
        return {k: base64.b64decode(v).decode() for k, v in found.get("data", {}).items()}
    return dict(found.get("data", {}))


def environment(docs: list[Document], name: str) -> dict[str, str]:
    """A container's environment as its process sees it, references resolved."""
    (container,) = containers(workload(docs, name))
    env = {}
    for variable in container.get("env", []):
        source: dict[str, Any] = variable.get("valueFrom", {})
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        elif "fieldRef" in source:
            env[variable["name"]] = f"{name}-pod"
        else:
            ((reference, ref),) = source.items()
            kind, generator = GENERATED[reference]
            # The generated name, content hash included: a reference kustomize missed fails.
            assert ref["name"] == generated(docs, kind, generator)["metadata"]["name"], ref
            env[variable["name"]] = data(docs, kind, generator)[ref["key"]]
    return env


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", PYTHON_WORKLOADS)
def test_environment_holds_only_variables_the_settings_read(overlay: str, name: str) -> None:
    read = set().union(*(env_names(cls) for cls in PROCESS_SETTINGS[name]))
    env = environment(render(overlay), name)
    assert set(env) - read - OTEL_VARIABLES == set()


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", PYTHON_WORKLOADS)
def test_settings_load_without_loopback_addresses(
    overlay: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for cls in PROCESS_SETTINGS[name]:
        for variable in env_names(cls):
            monkeypatch.delenv(variable, raising=False)
    for key, value in environment(render(overlay), name).items():
        monkeypatch.setenv(key, value)
    loaded = json.dumps([cls().model_dump(mode="json") for cls in PROCESS_SETTINGS[name]])
    if name not in ("kafka-topics", "migrate"):  # jobs' settings hold parts they never use
        assert not any(host in loaded for host in LOOPBACK), loaded


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", PYTHON_WORKLOADS)
def test_every_address_is_a_rendered_service_port(overlay: str, name: str) -> None:
    docs = render(overlay)
    services = of_kind(docs, "Service")
    for variable, host, port in addresses(environment(docs, name)):
        if variable in OTEL_VARIABLES:
            continue  # the collector is deployed beside Tessera, not by it
        assert host in services, f"{name}: {variable} names {host}, not a Service"
        assert port in {p["port"] for p in services[host]["spec"]["ports"]}, (name, variable)


@pytest.mark.parametrize("name", PYTHON_WORKLOADS)
def test_container_runs_what_compose_runs(name: str) -> None:
    (container,) = containers(workload(render("single-region"), name))
    assert container["command"] == compose_command(name)


def shard_settings(docs: list[Document], monkeypatch: pytest.MonkeyPatch) -> ShardSettings:
    env = environment(docs, "accounts")
    for variable in ("SHARD_SERVERS", "SHARD_REGIONS"):
        monkeypatch.setenv(variable, env[variable])
    return ShardSettings()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_shard_server_is_a_statefulset_of_its_own(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = render(overlay)
    settings = shard_settings(docs, monkeypatch)
    shards = {n for n in of_kind(docs, "StatefulSet") if n.startswith("shard-")}
    assert set(settings.servers) == shards
    assert {s for group in settings.regions.values() for s in group} == shards
    for shard, url in settings.servers.items():
        assert f"@{shard}:5432" in url


def test_single_region_places_tenants_as_the_local_stack_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = shard_settings(render("single-region"), monkeypatch)
    monkeypatch.delenv("SHARD_REGIONS")
    assert settings.regions == ShardSettings().regions


def node_regions(statefulset: Document) -> list[str]:
    affinity = statefulset["spec"]["template"]["spec"].get("affinity", {})
    required = affinity.get("nodeAffinity", {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if not required:
        return []
    (term,) = required["nodeSelectorTerms"]
    (expression,) = term["matchExpressions"]
    assert (expression["key"], expression["operator"]) == (NODE_REGION, "In")
    return list(expression["values"])


def test_multi_region_pins_each_regions_shards_to_its_nodes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    docs = render("multi-region")
    statefulsets = of_kind(docs, "StatefulSet")
    cloud_regions: dict[str, set[str]] = {}
    for region, shards in shard_settings(docs, monkeypatch).regions.items():
        for shard in shards:
            labels = statefulsets[shard]["spec"]["template"]["metadata"]["labels"]
            assert labels[REGION_LABEL] == region, shard
            (pinned,) = node_regions(statefulsets[shard])
            cloud_regions.setdefault(region, set()).add(pinned)
    assert all(len(pinned) == 1 for pinned in cloud_regions.values()), cloud_regions
    assert len({next(iter(p)) for p in cloud_regions.values()}) == len(cloud_regions)
    assert len(cloud_regions) == 3, "every region has shards of its own"


@pytest.mark.parametrize("name", ["accounts", "gateway", "query"])
def test_multi_region_spreads_stateless_pods_over_regions(name: str) -> None:
    deployment = of_kind(render("multi-region"), "Deployment")[name]
    spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert NODE_REGION in {constraint["topologyKey"] for constraint in spread}


def test_single_region_pins_nothing() -> None:
    statefulsets = of_kind(render("single-region"), "StatefulSet")
    assert all(node_regions(s) == [] for s in statefulsets.values())
