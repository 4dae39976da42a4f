"""infra/k8s rendered offline: every resource valid against Kubernetes' own schemas (the
PyPI package kubernetes-validate bundles them), the ScaledObject against KEDA's CRD, and
the shape every workload needs: probes, disruption budgets, autoscaling."""

from __future__ import annotations

import json
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no types-jsonschema in the dev group
import kubernetes_validate  # type: ignore[import-untyped]  # ships no type information
import pytest
from deployment.kubernetes import (
    OVERLAYS,
    Document,
    containers,
    of_kind,
    render,
    scaled_object_schema,
)

from projector.settings import WorkerSettings
from tessera_common.events.topics import EVENT_TOPICS
from tessera_common.settings import KafkaSettings

KUBERNETES_VERSION = "1.33"
SERVICE_PORT = 8000
HPA_SCALED = ("gateway", "query")
KEDA_SCALED = ("projector",)
CUSTOM_KINDS = {"keda.sh/v1alpha1": {"ScaledObject"}}


def standard(docs: list[Document]) -> list[Document]:
    return [d for d in docs if d["kind"] not in CUSTOM_KINDS.get(d["apiVersion"], set())]


def schema_problems(doc: Document) -> list[str]:
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{doc['kind']}/{doc['metadata']['name']}: {error.message}"]
    return []


def keda_problems(doc: Document) -> list[str]:
    validator = jsonschema.Draft7Validator(scaled_object_schema())
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)
    ]


def scaled_object(overlay: str) -> Document:
    return of_kind(render(overlay), "ScaledObject")["projector"]


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_follows_the_kubernetes_schema(overlay: str) -> None:
    docs = standard(render(overlay))
    assert len(docs) > 30
    assert [problem for doc in docs for problem in schema_problems(doc)] == []


def test_the_kubernetes_schema_catches_a_broken_resource() -> None:
    deployment = of_kind(render("single-region"), "Deployment")["query"]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"] = {
        "path": "/readyz",
        "prot": "http",
    }
    assert schema_problems(deployment)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_custom_resource_is_known(overlay: str) -> None:
    custom = {(d["apiVersion"], d["kind"]) for d in render(overlay)} - {
        (d["apiVersion"], d["kind"]) for d in standard(render(overlay))
    }
    assert custom == {("keda.sh/v1alpha1", "ScaledObject")}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_scaled_object_follows_kedas_crd(overlay: str) -> None:
    assert keda_problems(scaled_object(overlay)) == []


@pytest.mark.parametrize(
    "change",
    [{"minReplicas": 1}, {"triggers": [{"metadata": {"topic": "x"}}]}, {"maxReplicaCount": "6"}],
    ids=["unknown field", "trigger without a type", "count as a string"],
)
def test_kedas_crd_catches_a_broken_scaled_object(change: dict[str, Any]) -> None:
    broken = scaled_object("single-region")
    broken["spec"] |= change
    assert keda_problems(broken)


def test_projector_scales_on_the_lag_of_its_own_group_and_topics() -> None:
    docs = render("single-region")
    spec = scaled_object("single-region")["spec"]
    assert spec["scaleTargetRef"]["name"] in of_kind(docs, "Deployment")
    triggers = spec["triggers"]
    assert {t["type"] for t in triggers} == {"kafka"}
    assert sorted(t["metadata"]["topic"] for t in triggers) == sorted(EVENT_TOPICS)
    assert {t["metadata"]["consumerGroup"] for t in triggers} == {WorkerSettings().group_id}
    assert {t["metadata"]["bootstrapServers"] for t in triggers} == {"kafka:9092"}
    # A consumer beyond the partition count would sit idle.
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    assert spec["maxReplicaCount"] <= KafkaSettings().topic_partitions


def test_gateway_and_query_scale_with_an_hpa() -> None:
    docs = render("single-region")
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert {hpa["spec"]["scaleTargetRef"]["name"] for hpa in hpas.values()} == set(HPA_SCALED)
    for hpa in hpas.values():
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


@pytest.mark.parametrize("name", [*HPA_SCALED, *KEDA_SCALED])
def test_autoscaled_deployments_leave_replicas_to_the_autoscaler(name: str) -> None:
    deployment = of_kind(render("single-region"), "Deployment")[name]
    assert "replicas" not in deployment["spec"]
    (container,) = containers(deployment)
    assert "cpu" in container["resources"]["requests"], "CPU utilisation needs a request"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_probes_readyz_and_healthz_on_its_port(overlay: str) -> None:
    for name, deployment in of_kind(render(overlay), "Deployment").items():
        (container,) = containers(deployment)
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            check = container[probe]["httpGet"]
            assert (check["path"], ports[check["port"]]) == (path, SERVICE_PORT), (name, probe)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_has_a_service_and_a_disruption_budget(overlay: str) -> None:
    docs = render(overlay)
    workloads = {**of_kind(docs, "Deployment"), **of_kind(docs, "StatefulSet")}
    services, budgets = of_kind(docs, "Service"), of_kind(docs, "PodDisruptionBudget")
    for name, workload in workloads.items():
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert selects(workload["spec"]["selector"]["matchLabels"], labels), name
        assert any(selects(s["spec"]["selector"], labels) for s in services.values()), name
        covering = [
            b for b in budgets.values() if selects(b["spec"]["selector"]["matchLabels"], labels)
        ]
        assert len(covering) == 1, f"{name}: {len(covering)} disruption budgets"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_a_memory_limit(overlay: str) -> None:
    docs = render(overlay)
    workloads = [d for d in docs if d["kind"] in {"Deployment", "StatefulSet", "Job"}]
    for workload in workloads:
        for container in containers(workload):
            assert container["resources"]["limits"]["memory"], workload["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lands_in_one_namespace(overlay: str) -> None:
    docs = render(overlay)
    (namespace,) = of_kind(docs, "Namespace")
    namespaced = [d for d in docs if d["kind"] != "Namespace"]
    assert {d["metadata"].get("namespace") for d in namespaced} == {namespace}
    assert {d["metadata"]["labels"]["app.kubernetes.io/part-of"] for d in docs} == {"tessera"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_reference_names_a_rendered_key(overlay: str) -> None:
    """ConfigMap and Secret references resolve (a generated name carries a content hash)."""
    docs = render(overlay)
    keys = {
        (kind, name): set(doc.get("data", {})) | set(doc.get("stringData", {}))
        for kind in ("ConfigMap", "Secret")
        for name, doc in of_kind(docs, kind).items()
    }
    kinds = {"configMapKeyRef": "ConfigMap", "secretKeyRef": "Secret"}
    workloads = [d for d in docs if d["kind"] in {"Deployment", "StatefulSet", "Job"}]
    for workload in workloads:
        for container in containers(workload):
            for variable in container.get("env", []):
                for reference, ref in variable.get("valueFrom", {}).items():
                    if reference in kinds:
                        found = keys.get((kinds[reference], ref["name"]), set())
                        assert ref["key"] in found, (workload["metadata"]["name"], ref)


def test_adding_a_shard_renders_its_server_and_a_job_that_migrates_and_publishes_only_it() -> None:
    docs = render("operations/shard-add")
    assert [problem for doc in docs for problem in schema_problems(doc)] == []
    assert set(of_kind(docs, "StatefulSet")) == {"shard-3"}
    (job,) = of_kind(docs, "Job").values()
    (container,) = containers(job)
    env = {var["name"]: var.get("value") for var in container["env"]}
    assert list(json.loads(env["SHARD_SERVERS"])) == ["shard-3"]
    script = container["command"][-1]
    assert "accounts.topology add-shard --shard shard-3 --region us-east" in script
    assert "--url postgresql://tessera@shard-3:5432" in script  # no password in the topology
    assert {doc["metadata"].get("namespace") for doc in docs} == {"tessera"}
