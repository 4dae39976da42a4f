"""Prometheus for the local stack: Debian's `prometheus` as a managed process, scraping
every process of the stack and evaluating infra/prometheus/alerts.yml, UI on loopback.

The scrape jobs carry compose's job names (one a service), so the alert rules and the
dashboards read the same series from either; the targets are the stack's fixed ports.
"""

from __future__ import annotations

import subprocess
from typing import Any

import yaml

from tessera_stack.layout import HOST, REPO_ROOT, StackLayout
from tessera_stack.processes import ManagedProcess
from tessera_stack.waiting import http_ok, wait_until

ALERTS = REPO_ROOT / "infra" / "prometheus" / "alerts.yml"
PROMETHEUS = "prometheus"
PROMTOOL = "promtool"
SCRAPE_INTERVAL = "5s"  # a small stack: fresh numbers matter more than samples saved


def local_config(layout: StackLayout) -> dict[str, Any]:
    """Every instance of every service, by job; Prometheus itself; the alert rules."""
    jobs = [
        {
            "job_name": service,
            "static_configs": [{"targets": [f"{HOST}:{port}" for port in ports]}],
        }
        for service, ports in layout.instance_ports.items()
    ]
    own = {"job_name": "prometheus", "static_configs": [{"targets": [layout.prometheus_address]}]}
    return {
        "global": {
            "scrape_interval": SCRAPE_INTERVAL,
            "scrape_timeout": "4s",
            "evaluation_interval": SCRAPE_INTERVAL,
            "external_labels": {"system": "tessera"},
        },
        "rule_files": [str(ALERTS)],
        "scrape_configs": [own, *jobs],
    }


class PrometheusServer:
    def __init__(self, layout: StackLayout) -> None:
        self.layout = layout
        self.dir = layout.run_dir / "prometheus"
        self.config = self.dir / "prometheus.yml"
        self.process = ManagedProcess(
            "prometheus", layout.pids_dir / "prometheus.pid", layout.logs_dir / "prometheus.log"
        )

    def render_config(self) -> None:
        """Write the config and check it (and the rules) with promtool before any start."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config.write_text(yaml.safe_dump(local_config(self.layout), sort_keys=False))
        check = subprocess.run(
            [PROMTOOL, "check", "config", str(self.config)],
            check=False, capture_output=True, text=True,
        )  # fmt: skip
        if check.returncode != 0:
            raise RuntimeError(
                f"the Prometheus config does not load:\n{check.stdout}{check.stderr}"
            )

    def start(self) -> None:
        self.process.start(
            [
                PROMETHEUS,
                f"--config.file={self.config}",
                f"--storage.tsdb.path={self.dir / 'data'}",
                "--storage.tsdb.retention.time=2d",
                f"--web.listen-address={self.layout.prometheus_address}",
                "--web.enable-lifecycle",
            ],
            env={},
        )
        wait_until(
            self.answers, "prometheus", timeout=30, alive=self.process.running,
            log_file=self.process.log_file,
        )  # fmt: skip

    def answers(self) -> bool:
        return http_ok(f"{self.layout.prometheus_url}/-/ready")
