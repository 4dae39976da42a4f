"""Another projector worker in the stack's group, for tests that need two."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families

from projector.settings import WorkerSettings
from tessera_stack.layout import HOST
from tessera_stack.processes import ManagedProcess
from tessera_stack.services import service_command
from tessera_stack.stack import LocalStack


@dataclass(frozen=True)
class Worker:
    process: ManagedProcess
    url: str  # its web server: /readyz, /metrics


@contextmanager
def extra_worker(
    stack: LocalStack, port_shift: int, env: Mapping[str, str] | None = None
) -> Iterator[Worker]:
    """A projector process beside the stack's own, on its own web port; stopped after."""
    layout = stack.layout
    port = layout.service_ports["projector"] + port_shift
    name = f"projector-{port_shift}"
    process = ManagedProcess(
        f"service-{name}", layout.pids_dir / f"{name}.pid", layout.logs_dir / f"{name}.log"
    )
    full_env = {
        **stack.environment, "PROJECTOR_WEB_PORT": str(port), "SERVICE_INSTANCE": name,
        **(env or {}),
    }  # fmt: skip
    process.start(service_command("projector", port), env=full_env, cwd=layout.root)
    try:
        yield Worker(process, f"http://{HOST}:{port}")
    finally:
        process.stop()


async def group_members(bootstrap: str) -> int:
    """Members of the projector's group, once it is stable (0 while it rebalances)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([WorkerSettings().group_id])
        (group,) = response.to_object()["groups"]
        return len(group["members"]) if group["state"] == "Stable" else 0
    finally:
        await admin.close()


async def metric(url: str, name: str) -> float:
    """The sum of a metric's samples on a worker's /metrics."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{url}/metrics")).text
    return sum(
        s.value for family in text_string_to_metric_families(text) for s in family.samples
        if s.name == name
    )  # fmt: skip
