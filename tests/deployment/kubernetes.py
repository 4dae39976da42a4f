"""infra/k8s rendered by kustomize, and KEDA's ScaledObject schema, for offline checks.

`make kube-tools` builds kustomize and copies KEDA's CRD (from its Go module) under
.cache/tools; the Makefile passes their paths as TESSERA_KUSTOMIZE and TESSERA_KEDA_CRD.
Without them the checks skip, except under CI, where they must run.
"""

from __future__ import annotations

import copy
import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from deployment import INFRA, REPO

K8S = INFRA / "k8s"
OVERLAYS = ("single-region", "multi-region")
TOOLS = REPO / ".cache" / "tools"
Document = dict[str, Any]


def tool(variable: str, pattern: str) -> Path:
    """A file `make kube-tools` provides, or a skip (a failure under CI) without it."""
    named = os.environ.get(variable)
    found = [Path(named)] if named else sorted(TOOLS.glob(pattern))
    if found and found[-1].exists():
        return found[-1]
    message = f"{pattern} is missing: run `make kube-tools`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@cache
def _build(overlay: str) -> str:
    """An overlay (`single-region`), or any kustomization under infra/k8s by its path."""
    kustomize = tool("TESSERA_KUSTOMIZE", "kustomize-*/kustomize")
    directory = K8S / overlay if "/" in overlay else K8S / "overlays" / overlay
    done = subprocess.run(
        [str(kustomize), "build", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@cache
def _parsed(overlay: str) -> list[Document]:
    return [doc for doc in yaml.load_all(_build(overlay), Loader=yaml.CSafeLoader) if doc]


def render(overlay: str) -> list[Document]:
    """The resources an overlay renders to (a fresh copy: tests may mutate them)."""
    return copy.deepcopy(_parsed(overlay))


def of_kind(docs: list[Document], kind: str) -> dict[str, Document]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def generated(docs: list[Document], kind: str, name: str) -> Document:
    """A generated ConfigMap or Secret, whatever its content hash."""
    (found,) = [d for n, d in of_kind(docs, kind).items() if n.rsplit("-", 1)[0] == name]
    return found


def containers(doc: Document) -> list[Document]:
    pod = doc["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def strict(schema: Any) -> Any:
    """A CRD schema that rejects unknown fields, as the API server prunes them silently."""
    schema = copy.deepcopy(schema)

    def close(node: Any) -> None:
        if isinstance(node, dict):
            open_ = node.get("x-kubernetes-preserve-unknown-fields", False)
            closed = "additionalProperties" in node or open_
            if "properties" in node and not closed:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


@cache
def scaled_object_schema(version: str = "v1alpha1") -> Any:
    """The openAPIV3Schema KEDA's CRD declares for ScaledObject, made strict."""
    crd = yaml.safe_load(tool("TESSERA_KEDA_CRD", "keda-*/keda.sh_scaledobjects.yaml").read_text())
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    return strict(served["schema"]["openAPIV3Schema"])
