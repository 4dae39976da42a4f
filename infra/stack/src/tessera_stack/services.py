"""The Tessera processes: migrations first, then every service, each waited for."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from functools import partial

from tessera_stack.layout import HOST, StackLayout
from tessera_stack.processes import ManagedProcess
from tessera_stack.progress import note, step
from tessera_stack.waiting import http_ok, wait_until

# Started together; the gateway after them, so it finds its upstreams ready.
BACKENDS = ("accounts", "billing", "usage", "query", "projector")
SERVICES = (*BACKENDS, "gateway")
MIGRATIONS = ("accounts.migrate", "billing.migrate", "usage.migrate", "projector.migrate")


def service_command(name: str, port: int) -> list[str]:
    if name == "projector":
        return [sys.executable, "-m", "projector"]
    return [
        sys.executable, "-m", "uvicorn", f"{name}.main:create_app", "--factory",
        "--host", HOST, "--port", str(port), "--loop", "uvloop", "--no-access-log",
        "--timeout-graceful-shutdown", "10",
    ]  # fmt: skip


def service_process(layout: StackLayout, name: str) -> ManagedProcess:
    return ManagedProcess(
        f"service-{name}", layout.pids_dir / f"{name}.pid", layout.logs_dir / f"{name}.log"
    )


def run_migrations(env: Mapping[str, str]) -> None:
    """Every service's migrations, concurrently (they touch different databases)."""
    with step(f"migrations: {', '.join(m.split('.')[0] for m in MIGRATIONS)}"):
        running = {
            module: subprocess.Popen(
                [sys.executable, "-m", module],
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for module in MIGRATIONS
        }
        failed = {}
        for module, process in running.items():
            _, stderr = process.communicate()
            if process.returncode != 0:
                failed[module] = stderr[-2000:]
        if failed:
            raise RuntimeError(f"migrations failed: {failed}")


def start_services(layout: StackLayout, env: Mapping[str, str]) -> None:
    _start_group(layout, env, BACKENDS)
    _start_group(layout, env, ("gateway",))


def _start_group(layout: StackLayout, env: Mapping[str, str], names: tuple[str, ...]) -> None:
    with step(f"{', '.join(names)}"):
        started = []
        for name in names:
            process = service_process(layout, name)
            if process.running():
                note(f"{name} already running")
                continue
            process.start(
                service_command(name, layout.service_ports[name]),
                env={
                    **env,
                    "SERVICE_INSTANCE": f"{name}-0",
                    "PROJECTOR_WEB_PORT": str(layout.service_ports["projector"]),
                },
                cwd=layout.root,
            )
            started.append((name, process))
        for name, process in started:
            port = layout.service_ports[name]
            wait_until(
                partial(http_ok, f"http://{HOST}:{port}/readyz"),
                name,
                timeout=90,
                alive=process.running,
                log_file=process.log_file,
            )
            note(f"{name} ready on {HOST}:{port}")


def stop_services(layout: StackLayout) -> list[str]:
    return [name for name in reversed(SERVICES) if service_process(layout, name).stop()]
