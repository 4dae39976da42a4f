"""Two truly concurrent updates of one tenant version: one commits, the other gets a 409."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from support import Accounts, Api

from accounts.app.ports import UnitOfWork
from accounts.app.tenancy import Outcome, on_tenant
from accounts.bootstrap import Accounts as AccountsService
from accounts.bootstrap import bootstrap, utc_now
from accounts.domain.errors import ConcurrentUpdateError
from accounts.domain.tenant import Tenant
from accounts.settings import AccountsSettings
from tessera_common.settings import DirectorySettings, ShardSettings
from tessera_stack.endpoints import Endpoints


@pytest.fixture
async def service(endpoints: Endpoints) -> AsyncIterator[AccountsService]:
    settings = AccountsSettings(
        shards=ShardSettings(servers=endpoints.shard_servers),
        directory=DirectorySettings(db_url=endpoints.directory_db_url),
    )
    accounts = bootstrap(settings)  # its relays are not started: the stack's publish
    yield accounts
    await accounts.stop()


async def test_both_read_version_one_then_exactly_one_write_wins(
    service: AccountsService, api: Api, accounts_db: Accounts
) -> None:
    tenant_id = uuid.UUID((await api.tenant(name="Race"))["tenant_id"])
    both_have_read = asyncio.Barrier(2)

    async def contender(name: str) -> Outcome[None]:
        async def change(tenant: Tenant, _: UnitOfWork) -> None:
            tenant.require_version(1)
            await both_have_read.wait()  # neither writes before both have read version 1
            tenant.update_profile(name=name, plan=None, now=utc_now())

        return await on_tenant(
            tenant_id, uuid.uuid4(), service.directory, service.unit_of_work, change
        )

    results = await asyncio.gather(contender("Left"), contender("Right"), return_exceptions=True)

    winners = [r for r in results if isinstance(r, Outcome)]
    losers = [r for r in results if isinstance(r, ConcurrentUpdateError)]
    assert (len(winners), len(losers)) == (1, 1), results
    rows = await accounts_db.rows("SELECT name, version FROM tenants WHERE id = $1", tenant_id)
    stored = [row for found in rows.values() for row in found]
    assert stored == [{"name": winners[0].tenant.name, "version": 2}]
