"""Two truly concurrent updates of one tenant version: one commits, the other gets a 409."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from support import Accounts, Api, shard_servers

from accounts.app._tenants import open_tenant
from accounts.app.ports import Clock, Directory, UnitOfWork
from accounts.bootstrap import Accounts as AccountsService
from accounts.bootstrap import bootstrap
from accounts.domain.errors import ConcurrentUpdateError
from accounts.domain.tenant import Tenant
from accounts.settings import AccountsSettings
from tessera_common.commands.runner import Reply
from tessera_common.commands.unit_of_work import Origin
from tessera_common.settings import DirectorySettings, ShardSettings
from tessera_stack.endpoints import Endpoints


@pytest.fixture
async def service(endpoints: Endpoints) -> AsyncIterator[AccountsService]:
    settings = AccountsSettings(  # every shard: the tenant may land on one a test added
        shards=ShardSettings(servers=await shard_servers(endpoints)),
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

    async def rename(name: str, uow: UnitOfWork, directory: Directory, clock: Clock) -> Tenant:
        tenant = await open_tenant(tenant_id, uow, directory)
        tenant.require_version(1)
        await both_have_read.wait()  # neither writes before both have read version 1
        tenant.update_profile(name=name, plan=None, now=clock())
        return tenant

    async def contender(name: str) -> Reply[Tenant]:
        return await service.commands.run(rename, name, Origin(uuid.uuid4()))

    results = await asyncio.gather(contender("Left"), contender("Right"), return_exceptions=True)

    winners = [r for r in results if isinstance(r, Reply)]
    losers = [r for r in results if isinstance(r, ConcurrentUpdateError)]
    assert (len(winners), len(losers)) == (1, 1), results
    rows = await accounts_db.rows("SELECT name, version FROM tenants WHERE id = $1", tenant_id)
    stored = [row for found in rows.values() for row in found]
    assert stored == [{"name": winners[0].result.name, "version": 2}]
