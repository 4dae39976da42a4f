"""Clients for tests through the gateway, and direct reads of the write side."""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from accounts.moves import mover as accounts_mover
from accounts.settings import AccountsSettings
from billing.moves import mover as billing_moves_mover
from billing.settings import BillingSettings
from gateway.settings import MeteringSettings
from tessera_common.db.topology import ServerUrls, read_topology
from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.resharding.moves import TenantMover
from tessera_common.settings import DirectorySettings, ShardSettings
from tessera_common.sharding.topology import ShardTopology
from tessera_common.timestamps import rfc3339
from tessera_stack.endpoints import Endpoints

PROBLEM_JSON = "application/problem+json"


def usage_record(
    quantity: int = 1, occurred_at: datetime | None = None, meter: str = "api_calls"
) -> dict[str, Any]:
    """One usage record as a client sends it, with a fresh event id (now, by default)."""
    return {
        "event_id": str(uuid.uuid4()), "meter": meter, "quantity": quantity,
        "occurred_at": rfc3339(occurred_at or datetime.now(UTC)),
    }  # fmt: skip


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def metering_window() -> float:
    """How long a metered call may take to show in the usage read model: up to one of the
    gateways' flush intervals, then ingest and projection (with room for a slow machine)."""
    return MeteringSettings().flush_interval_seconds + 25.0


async def current_topology(endpoints: Endpoints) -> ShardTopology:
    """The shard topology the services follow, read from the directory."""
    return await read_topology(endpoints.directory_db_url)


def on_stack(endpoints: Endpoints) -> dict[str, Any]:
    """What an operator's command gets configured with to work on the stack: its shard
    servers and its directory."""
    return {
        "shards": ShardSettings(servers=endpoints.shard_servers),
        "directory": DirectorySettings(db_url=endpoints.directory_db_url),
    }


def mover(endpoints: Endpoints) -> AbstractAsyncContextManager[TenantMover]:
    """The operator's tenant mover (`python -m accounts.moves`) on the stack's shards."""
    return accounts_mover(AccountsSettings(**on_stack(endpoints)))


def billing_mover(endpoints: Endpoints) -> AbstractAsyncContextManager[TenantMover]:
    """The operator's mover of billing rows (`python -m billing.moves`) on the stack."""
    return billing_moves_mover(BillingSettings(**on_stack(endpoints)))


async def shard_servers(endpoints: Endpoints) -> dict[str, str]:
    """Every shard server of the current topology (those `make shard-add` added too), as
    this test run reaches them."""
    topology = await current_topology(endpoints)
    return ServerUrls(endpoints.shard_servers).urls(topology)


class ShardDatabases:
    """Direct reads of one service's database on every shard of the current topology (the
    shards `make shard-add` added too): the write side."""

    database = "accounts"

    def __init__(self, endpoints: Endpoints) -> None:
        self._endpoints = endpoints

    async def rows(self, sql: str, *args: object) -> dict[str, list[dict[str, Any]]]:
        """The rows `sql` returns on each shard, by shard name."""
        found = {}
        for shard, server in sorted((await shard_servers(self._endpoints)).items()):
            conn = await asyncpg.connect(asyncpg_dsn(with_database(server, self.database)))
            try:
                found[shard] = [dict(row) for row in await conn.fetch(sql, *args)]
            finally:
                await conn.close()
        return found

    async def holders(self, table: str, row_id: str) -> list[str]:
        """The shards whose database has the row."""
        sql = f"SELECT id FROM {table} WHERE id = $1"
        rows = await self.rows(sql, uuid.UUID(row_id))
        return [shard for shard, found in rows.items() if found]


class Accounts(ShardDatabases):
    database = "accounts"


class Billing(ShardDatabases):
    database = "billing"


class Usage(ShardDatabases):
    database = "usage"


class Api:
    """The public API as a client uses it."""

    def __init__(self, gateway: httpx.AsyncClient, operator: dict[str, str]) -> None:
        self.gateway = gateway
        self.operator = operator

    async def tenant(
        self, region: str = "us-east", name: str = "Acme", **extra: str
    ) -> dict[str, Any]:
        response = await self.gateway.post(
            "/v1/tenants", json={"name": name, "region": region, **extra}, headers=self.operator
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        assert response.headers["location"] == f"/v1/tenants/{body['tenant_id']}"
        assert response.headers["x-request-id"]
        body["token"] = response.headers["x-consistency-token"]
        assert body["token"].startswith("ct1.")
        return body

    async def read(self, path: str, token: str, key: str | None = None) -> httpx.Response:
        """A read that waits for the write behind `token`."""
        headers = bearer(key) if key else dict(self.operator)
        return await self.gateway.get(path, headers={**headers, "X-Consistency-Token": token})
