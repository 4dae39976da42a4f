"""The Tessera processes: migrations first, then every service, each waited for."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from functools import partial

from tessera_stack.layout import HOST, StackLayout
from tessera_stack.processes import ManagedProcess
from tessera_stack.progress import step
from tessera_stack.waiting import http_ok, wait_until

# Start order: the gateway last, so it finds its upstreams ready.
SERVICES = ("accounts", "billing", "usage", "query", "projector", "gateway")
MIGRATIONS = ("accounts.migrate", "billing.migrate", "usage.migrate", "projector.migrate")


def service_command(name: str, port: int) -> list[str]:
    if name == "projector":
        return [sys.executable, "-m", "projector"]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        f"{name}.main:create_app",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "10",
    ]


def service_process(layout: StackLayout, name: str) -> ManagedProcess:
    return ManagedProcess(
        f"service-{name}", layout.pids_dir / f"{name}.pid", layout.logs_dir / f"{name}.log"
    )


def run_migrations(env: Mapping[str, str]) -> None:
    for module in MIGRATIONS:
        with step(f"migrations: {module.split('.')[0]}"):
            subprocess.run(
                [sys.executable, "-m", module],
                check=True,
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
            )


def start_services(layout: StackLayout, env: Mapping[str, str]) -> None:
    for name in SERVICES:
        process = service_process(layout, name)
        port = layout.service_ports[name]
        if process.running():
            with step(f"{name} already running on :{port}"):
                pass
            continue
        with step(f"{name} on {HOST}:{port}"):
            process.start(
                service_command(name, port),
                env={
                    **env,
                    "SERVICE_INSTANCE": f"{name}-0",
                    "PROJECTOR_WEB_PORT": str(layout.service_ports["projector"]),
                },
                cwd=layout.root,
            )
            wait_until(
                partial(http_ok, f"http://{HOST}:{port}/readyz"),
                name,
                timeout=90,
                alive=process.running,
                log_file=process.log_file,
            )


def stop_services(layout: StackLayout) -> list[str]:
    return [name for name in reversed(SERVICES) if service_process(layout, name).stop()]
