"""The Tessera processes: every service, each waited for."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from tessera_stack.edge import EdgeServer
from tessera_stack.layout import HOST, StackLayout
from tessera_stack.processes import ManagedProcess
from tessera_stack.progress import note, step
from tessera_stack.waiting import http_ok, wait_until

# Started together; the gateway after them, so it finds its upstreams ready.
BACKENDS = ("accounts", "billing", "usage", "query", "projector")
SERVICES = (*BACKENDS, "gateway")


def service_command(name: str, port: int) -> list[str]:
    if name == "projector":
        return [sys.executable, "-m", "projector"]
    return [
        sys.executable, "-m", "uvicorn", f"{name}.main:create_app", "--factory",
        "--host", HOST, "--port", str(port), "--loop", "uvloop", "--no-access-log",
        "--timeout-graceful-shutdown", "10",
    ]  # fmt: skip


@dataclass(frozen=True)
class Instance:
    """One process of a service: the first keeps the service's name, the others get -N."""

    service: str
    index: int
    port: int

    @property
    def name(self) -> str:
        return self.service if self.index == 0 else f"{self.service}-{self.index}"


def instances(layout: StackLayout, names: tuple[str, ...] = SERVICES) -> list[Instance]:
    return [
        Instance(name, index, port)
        for name in names
        for index, port in enumerate(layout.instance_ports[name])
    ]


def service_process(layout: StackLayout, name: str) -> ManagedProcess:
    """The process of a service instance by name (`query`, `query-1`)."""
    return ManagedProcess(
        f"service-{name}", layout.pids_dir / f"{name}.pid", layout.logs_dir / f"{name}.log"
    )


def start_services(layout: StackLayout, env: Mapping[str, str]) -> list[str]:
    """Start every instance (and the edge) that is not running; returns what it started."""
    started = _start_group(layout, env, BACKENDS)
    started += _start_group(layout, env, ("gateway",))
    edge = EdgeServer(layout)
    with step(f"edge (nginx) on :{layout.edge_port}"):
        changed = edge.render_config()
        if not edge.process.running():
            edge.start()
            started.append("edge")
        elif changed:
            edge.reload()
            note("edge config changed: reloaded")
    return started


def start_instance(layout: StackLayout, env: Mapping[str, str], instance: Instance) -> None:
    """Start one instance (if it is not running) and wait until it is ready."""
    process = service_process(layout, instance.name)
    if not process.running():
        _launch(layout, env, instance, process)
    _wait_ready(instance, process)


def _launch(
    layout: StackLayout, env: Mapping[str, str], instance: Instance, process: ManagedProcess
) -> None:
    process.start(
        service_command(instance.service, instance.port),
        env={
            **env,
            "SERVICE_INSTANCE": f"{instance.service}-{instance.index}",
            "PROJECTOR_WEB_PORT": str(layout.service_ports["projector"]),
        },
        cwd=layout.root,
    )


def _wait_ready(instance: Instance, process: ManagedProcess) -> None:
    wait_until(
        partial(http_ok, f"http://{HOST}:{instance.port}/readyz"),
        instance.name,
        timeout=90,
        alive=process.running,
        log_file=process.log_file,
    )


def _start_group(layout: StackLayout, env: Mapping[str, str], names: tuple[str, ...]) -> list[str]:
    with step(f"{', '.join(names)}"):
        started = []
        for instance in instances(layout, names):
            process = service_process(layout, instance.name)
            if process.running():
                note(f"{instance.name} already running")
                continue
            _launch(layout, env, instance, process)
            started.append((instance, process))
        for instance, process in started:
            _wait_ready(instance, process)
            note(f"{instance.name} ready on {HOST}:{instance.port}")
    return [instance.name for instance, _ in started]


def stop_services(layout: StackLayout) -> list[str]:
    stopped = ["edge"] if EdgeServer(layout).process.stop() else []
    for instance in reversed(instances(layout)):
        if service_process(layout, instance.name).stop():
            stopped.append(instance.name)
    return stopped
