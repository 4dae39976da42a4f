"""CreateTenant: place the tenant on a shard of its region, then write it with its first key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app.ports import Clock, Directory, Placer, UnitOfWorkFactory
from accounts.app.tenancy import Outcome
from accounts.domain.errors import PlacementConflictError
from accounts.domain.tenant import Tenant
from tessera_common.db.directory import Placement
from tessera_common.vocabulary import Currency, Plan, Region


@dataclass(frozen=True)
class CreateTenant:
    tenant_id: uuid.UUID  # random, or derived from an Idempotency-Key so retries find it
    name: str
    region: Region
    plan: Plan
    currency: Currency
    correlation_id: uuid.UUID


@dataclass(frozen=True)
class FirstKey:
    api_key: str
    api_key_id: uuid.UUID


async def create_tenant(
    cmd: CreateTenant,
    uow_factory: UnitOfWorkFactory,
    directory: Directory,
    placer: Placer,
    clock: Clock,
) -> Outcome[FirstKey]:
    # The placement is written first, so the tenant is routable as soon as it exists;
    # a retry under the same Idempotency-Key finds the placement its first try made.
    wanted = Placement(cmd.tenant_id, cmd.region, placer.place(cmd.tenant_id, cmd.region))
    placement = await directory.place(wanted)
    if placement.region != cmd.region:
        raise PlacementConflictError(str(cmd.tenant_id))
    tenant = Tenant.create(
        tenant_id=cmd.tenant_id, name=cmd.name, region=cmd.region, plan=cmd.plan,
        currency=cmd.currency, shard=placement.shard, now=clock(),
    )  # fmt: skip
    key, plaintext = tenant.issue_api_key(tenant.created_at)
    async with uow_factory(placement.shard, cmd.correlation_id) as uow:
        await uow.tenants.add(tenant)
        await uow.api_keys.add(key)
        outcome = Outcome(FirstKey(plaintext, key.id), tenant, uow.stage(tenant))
        await uow.finish(outcome)
    return outcome
