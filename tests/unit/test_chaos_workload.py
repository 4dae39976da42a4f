"""The fault harness' careful clients, against a fake edge that fails now and then."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter

import httpx
from harness.statuses import PROBLEM_JSON
from harness.workload import Workload

KEYS_SEEN: Counter[str] = Counter()


def fake_edge(request: httpx.Request) -> httpx.Response:
    """Every command's first attempt fails with a 503 problem; the next one succeeds."""
    key = request.headers.get("idempotency-key") or request.headers.get("if-match", "")
    attempt = f"{request.method} {request.url.path} {key}"
    if request.method != "GET":
        KEYS_SEEN[attempt] += 1
    if request.method != "GET" and KEYS_SEEN[attempt] == 1:
        return httpx.Response(
            503, headers={"content-type": PROBLEM_JSON, "retry-after": "0"},
            content=b'{"type": "https://tessera.dev/problems/shard-unavailable"}',
        )  # fmt: skip
    body = json.loads(request.content) if request.content else {}
    if request.url.path == "/v1/tenants":
        tenant = {"tenant_id": str(uuid.uuid4()), "api_key": "k", "version": 1, **body}
        return httpx.Response(201, json=tenant, headers={"x-consistency-token": "ct1.x"})
    if request.url.path == "/v1/usage":
        return httpx.Response(202, json={"accepted": 3, "duplicates": 0})
    if request.url.path.endswith("/users"):
        return httpx.Response(201, json={"user_id": str(uuid.uuid4()), **body})
    if request.url.path.endswith("/api-keys"):
        return httpx.Response(201, json={"key_id": str(uuid.uuid4()), "api_key": "new"})
    if request.method == "PATCH":
        version = int(request.headers["if-match"].strip('"'))
        return httpx.Response(200, json={"version": version + 1, **body})
    return httpx.Response(200, json={})


async def test_every_command_is_resent_with_its_own_key_until_acknowledged() -> None:
    transport = httpx.MockTransport(fake_edge)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as http:
        workload = Workload(http, {"Authorization": "Bearer op"}, "Fake")
        await workload.create_tenants(3)
        workload.start()
        await asyncio.sleep(0.5)
        await workload.finish()
    ledger = workload.ledger
    commands = [c for c in ledger.commands if c.kind != "tenant"]
    assert {c.kind for c in commands} == {"user", "usage", "rename", "key"}
    settled = [c for c in commands if c.acked is not None]
    assert len(settled) >= len(commands) - 6  # at most one command in flight per client
    for command in settled:
        assert command.attempts[0].status == 503
        assert command.attempts[-1].succeeded
    assert all(n <= 2 for n in KEYS_SEEN.values())  # one failure, one success, same key
    assert ledger.reads
