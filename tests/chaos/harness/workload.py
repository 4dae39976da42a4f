"""Concurrent careful clients over several tenants in every region, each command with known
ids: new users, renames over If-Match, new API keys and usage batches with fixed event ids."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from harness.client import attempt, send
from harness.ledger import Command, Ledger
from tessera_common.timestamps import rfc3339

REGIONS = ("us-east", "eu-west", "apac")
METER = "storage_gb_hours"  # not `api_calls`, which the gateway's metering adds to
RECORDS_PER_BATCH = 3
# One client step after another: mostly usage and users, a rename and a read now and then.
STEPS = ("usage", "user", "usage", "read", "usage", "rename", "usage", "user", "key", "read")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Workload:
    """`clients` clients per tenant, all at once, until `stop`; every answer in the ledger."""

    def __init__(self, http: httpx.AsyncClient, operator: dict[str, str], label: str) -> None:
        self.http = http
        self.operator = operator
        self.label = label
        self.ledger = Ledger()
        self.stop = asyncio.Event()
        self._versions: dict[str, int] = {}
        self._renames = itertools.count()
        self._clients: list[asyncio.Task[None]] = []

    async def create_tenants(self, count: int) -> None:
        """Pro tenants (their rate limit is above the load) spread over every region."""
        for n in range(count):
            command = Command("tenant", "", str(uuid.uuid4()), {
                "name": f"{self.label} {n}", "region": REGIONS[n % len(REGIONS)], "plan": "pro",
            })  # fmt: skip
            headers = {**self.operator, "Idempotency-Key": command.key}
            response = await send(
                self.http, command, "POST", "/v1/tenants", headers, stop=self.stop
            )
            assert response is not None, command.attempts
            assert response.status_code == 201, response.text
            tenant: dict[str, Any] = response.json()
            tenant["token"] = response.headers["x-consistency-token"]
            self.ledger.tenants[tenant["tenant_id"]] = tenant
            self._versions[tenant["tenant_id"]] = int(tenant["version"])

    def start(self, clients_per_tenant: int = 2) -> None:
        for tenant in self.ledger.tenants.values():
            for offset in range(clients_per_tenant):
                self._clients.append(asyncio.create_task(self._client(tenant, offset)))

    async def finish(self) -> None:
        """Stop the clients and wait for each one's command in flight to settle."""
        self.stop.set()
        await asyncio.gather(*self._clients)

    async def _client(self, tenant: dict[str, Any], offset: int) -> None:
        for n in itertools.count(offset * 3):
            if self.stop.is_set():
                return
            step = STEPS[n % len(STEPS)]
            if step == "rename" and offset != 0:
                continue  # one renamer per tenant: its If-Match follows its own versions
            await getattr(self, f"_{step}")(tenant)

    async def _user(self, tenant: dict[str, Any]) -> None:
        tenant_id = tenant["tenant_id"]
        email = f"{uuid.uuid4().hex[:12]}@chaos.test"
        command = Command("user", tenant_id, str(uuid.uuid4()), {"email": email, "name": "C"})
        await self._post(command, f"/v1/tenants/{tenant_id}/users", tenant, 201)

    async def _usage(self, tenant: dict[str, Any]) -> None:
        records = [
            {"event_id": str(uuid.uuid4()), "meter": METER, "quantity": 1 + n,
             "occurred_at": rfc3339(datetime.now(UTC))}
            for n in range(RECORDS_PER_BATCH)
        ]  # fmt: skip
        command = Command("usage", tenant["tenant_id"], str(uuid.uuid4()), {"records": records})
        await self._post(command, "/v1/usage", tenant, 202)

    async def _key(self, tenant: dict[str, Any]) -> None:
        tenant_id = tenant["tenant_id"]
        command = Command("key", tenant_id, str(uuid.uuid4()), {})
        await self._post(command, f"/v1/tenants/{tenant_id}/api-keys", tenant, 201)

    async def _rename(self, tenant: dict[str, Any]) -> None:
        tenant_id = tenant["tenant_id"]
        name = f"{self.label} r{next(self._renames)}"
        command = Command("rename", tenant_id, name, {"name": name})
        self.ledger.commands.append(command)
        headers = {**bearer(tenant["api_key"]), "If-Match": f'"{self._versions[tenant_id]}"'}
        response = await send(
            self.http, command, "PATCH", f"/v1/tenants/{tenant_id}", headers, stop=self.stop
        )
        if response is None:
            return
        if response.status_code == 200:
            command.acked = response.json()
            self._versions[tenant_id] = int(response.json()["version"])
        elif response.status_code == 412:  # an earlier attempt of it, or of another, applied
            self._versions[tenant_id] = int(response.json()["current_version"])

    async def _read(self, tenant: dict[str, Any]) -> None:
        tenant_id = tenant["tenant_id"]
        # The creation's token: a read before the tenant is projected waits, or gets a 503.
        key = {**bearer(tenant["api_key"]), "X-Consistency-Token": tenant["token"]}
        answer, _ = await attempt(
            self.http, "read", tenant_id, "GET", f"/v1/tenants/{tenant_id}", headers=key
        )
        self.ledger.reads.append(answer)

    async def _post(self, command: Command, path: str, tenant: dict[str, Any], ok: int) -> None:
        self.ledger.commands.append(command)
        headers = {**bearer(tenant["api_key"]), "Idempotency-Key": command.key}
        response = await send(self.http, command, "POST", path, headers, stop=self.stop)
        if response is not None and response.status_code == ok:
            command.acked = response.json()
