"""CreateTenant: place the tenant on a shard of its region, then write it with its first key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app.ports import Clock, Directory, Placer, UnitOfWork
from accounts.domain.errors import PlacementConflictError
from accounts.domain.tenant import Tenant
from tessera_common.db.placements import Placement
from tessera_common.vocabulary import Currency, Plan, Region


@dataclass(frozen=True)
class CreateTenant:
    tenant_id: uuid.UUID  # random, or derived from an Idempotency-Key so retries find it
    name: str
    region: Region
    plan: Plan
    currency: Currency


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    api_key: str  # the first key's plaintext: shown once
    api_key_id: uuid.UUID


async def create_tenant(
    cmd: CreateTenant, uow: UnitOfWork, directory: Directory, placer: Placer, clock: Clock
) -> NewTenant:
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
    await uow.open(placement.shard)
    await uow.tenants.add(tenant)
    await uow.api_keys.add(key)
    return NewTenant(tenant, plaintext, key.id)
