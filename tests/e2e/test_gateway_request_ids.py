"""A request the gateway fails is found in its log by the edge's X-Request-ID."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import pytest
from support import PROBLEM_JSON

from tessera_stack.layout import HOST
from tessera_stack.processes import ManagedProcess
from tessera_stack.services import service_command
from tessera_stack.stack import LocalStack
from tessera_stack.waiting import http_ok, wait_until

PORT_SHIFT = 50  # beside the stack's own gateways
UNREACHABLE = "http://127.0.0.1:1"  # nothing listens there: every connection is refused


@dataclass(frozen=True)
class Gateway:
    url: str
    log_file: Path


@pytest.fixture(scope="module")
def gateway_without_accounts(local_stack: LocalStack) -> Iterator[Gateway]:
    """A gateway process of its own on the stack, whose accounts pool answers nothing."""
    layout = local_stack.layout
    port = layout.service_ports["gateway"] + PORT_SHIFT
    name = f"gateway-{PORT_SHIFT}"
    process = ManagedProcess(
        f"service-{name}", layout.pids_dir / f"{name}.pid", layout.logs_dir / f"{name}.log"
    )
    env = local_stack.environment
    upstreams = {**json.loads(env["GATEWAY_UPSTREAMS"]), "accounts": [UNREACHABLE]}
    process.log_file.unlink(missing_ok=True)
    process.start(
        service_command("gateway", port),
        env={**env, "GATEWAY_UPSTREAMS": json.dumps(upstreams), "SERVICE_INSTANCE": name},
        cwd=layout.root,
    )
    url = f"http://{HOST}:{port}"
    try:
        wait_until(partial(http_ok, f"{url}/readyz"), name, timeout=90, alive=process.running,
                   log_file=process.log_file)  # fmt: skip
        yield Gateway(url, process.log_file)
    finally:
        process.stop()


async def test_the_gateways_own_failure_is_logged_under_the_clients_request_id(
    gateway_without_accounts: Gateway, operator: dict[str, str]
) -> None:
    request_id = f"client-{uuid.uuid4().hex}"
    async with httpx.AsyncClient(base_url=gateway_without_accounts.url, timeout=15) as client:
        response = await client.post(
            "/v1/tenants", json={"name": "Nowhere", "region": "us-east"},
            headers={**operator, "X-Request-ID": request_id},
        )  # fmt: skip
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["x-request-id"] == request_id
    assert response.headers["retry-after"]
    lines = [
        json.loads(line)
        for line in gateway_without_accounts.log_file.read_text().splitlines()
        if line.startswith("{") and request_id in line
    ]
    failure = [line for line in lines if line["message"] == "upstream_unavailable"]
    assert failure, lines
    assert failure[0]["request_id"] == request_id
    assert failure[0]["pool"] == "accounts"
    assert failure[0]["route"] == "/v1/tenants"
    assert failure[0]["trace_id"]  # the trace too, for the spans
