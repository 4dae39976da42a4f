"""One trace follows a command from the gateway, through the outbox and Kafka, to the read model.

The gateway, accounts (with its outbox relay) and the projector are restarted to export
spans to a receiver in this process, then restarted again as they were.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import urllib.request
from collections.abc import Awaitable, Callable, Iterator

import pytest
from otlp_receiver import OtlpReceiver, ReceivedSpan
from support import Api

from tessera_stack.services import instances, service_process, start_services
from tessera_stack.stack import LocalStack

TRACED = ("accounts", "projector", "gateway")


def restart(stack: LocalStack, extra: dict[str, str]) -> None:
    for instance in instances(stack.layout, TRACED):  # every instance: any may relay
        service_process(stack.layout, instance.name).stop()
    start_services(stack.layout, {**stack.environment, **extra})


@pytest.fixture(scope="module")
def receiver(local_stack: LocalStack) -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as receiver:
        restart(
            local_stack,
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                "OTEL_BSP_SCHEDULE_DELAY": "100",
            },
        )
        try:
            yield receiver
        finally:
            restart(local_stack, {})


def post_traced(url: str, headers: dict[str, str], trace_id: str, span_id: str) -> int:
    """POST a tenant under a known trace, through urllib: an instrumented httpx client in
    this process would replace the `traceparent` with its own."""
    request = urllib.request.Request(
        url,
        data=json.dumps({"name": "Traced", "region": "eu-west"}).encode(),
        headers={
            **headers,
            "Content-Type": "application/json",
            "traceparent": f"00-{trace_id}-{span_id}-01",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return int(response.status)


def chain(spans: list[ReceivedSpan], leaf: ReceivedSpan) -> list[ReceivedSpan]:
    """`leaf` and its ancestors, leaf first, as far as the received spans go."""
    by_id = {span.span_id: span for span in spans}
    found = [leaf]
    while found[-1].parent_id in by_id:
        found.append(by_id[found[-1].parent_id])
    return found


async def test_a_command_is_one_trace_from_gateway_to_projector(
    receiver: OtlpReceiver, api: Api, converge: Callable[..., Awaitable[object]]
) -> None:
    trace_id, caller_span = secrets.token_hex(16), secrets.token_hex(8)
    status = await asyncio.to_thread(
        post_traced, f"{api.gateway.base_url}/v1/tenants", api.operator, trace_id, caller_span
    )
    assert status == 201

    async def applied() -> list[ReceivedSpan] | None:
        spans = receiver.trace(trace_id)
        leaves = [s for s in spans if s.name == "accounts.events apply"]
        for leaf in leaves:
            ancestry = chain(spans, leaf)
            if ancestry[-1].parent_id == caller_span:  # reaches the caller: all exported
                return ancestry
        return None

    try:
        ancestry = await converge(applied, within=60.0)
    except AssertionError:
        received = [(s.service, s.name) for s in receiver.trace(trace_id)]
        raise AssertionError(f"no whole chain; spans of the trace: {received}") from None
    assert isinstance(ancestry, list)
    services = [span.service for span in ancestry]
    names = [span.name for span in ancestry]
    # Leaf first: projector <- relay publish <- accounts request <- gateway request.
    assert services[0] == "projector"
    assert names[1] == "accounts.events publish"
    assert services[1] == "accounts"
    assert "accounts" in services[2:]
    assert services[-1] == "gateway"
    assert services.index("gateway") > max(i for i, s in enumerate(services) if s == "accounts")
