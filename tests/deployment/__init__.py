"""The deployment files (compose, image, Prometheus, Grafana, Kubernetes) read as data."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
