"""CreateTenant: place the tenant on a shard of its region, then write it with its first key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app.ports import Clock, Directory, Placer, UnitOfWorkFactory
from accounts.domain.tenant import Tenant
from tessera_common.db.directory import Placement
from tessera_common.events.envelope import EventEnvelope
from tessera_common.vocabulary import Currency, Plan, Region


@dataclass(frozen=True)
class CreateTenant:
    name: str
    region: Region
    plan: Plan
    currency: Currency
    correlation_id: uuid.UUID


@dataclass(frozen=True)
class TenantCreatedResult:
    tenant: Tenant
    api_key: str
    api_key_id: uuid.UUID
    events: list[EventEnvelope]


async def create_tenant(
    cmd: CreateTenant,
    uow_factory: UnitOfWorkFactory,
    directory: Directory,
    placer: Placer,
    clock: Clock,
) -> TenantCreatedResult:
    tenant_id = uuid.uuid4()
    shard = placer.place(tenant_id, cmd.region)
    tenant = Tenant.create(
        tenant_id=tenant_id,
        name=cmd.name,
        region=cmd.region,
        plan=cmd.plan,
        currency=cmd.currency,
        shard=shard,
        now=clock(),
    )
    key, plaintext = tenant.issue_api_key(tenant.created_at)
    # The placement is written first, so the tenant is routable as soon as it exists.
    await directory.place(Placement(tenant_id, cmd.region, shard))
    async with uow_factory(shard, cmd.correlation_id) as uow:
        await uow.tenants.add(tenant)
        await uow.api_keys.add(key)
        events = await uow.commit_tenant(tenant)
    return TenantCreatedResult(tenant, plaintext, key.id, events)
