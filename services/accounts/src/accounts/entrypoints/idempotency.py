"""Idempotency-Key on every accounts POST: the guard for a command's unit of work."""

from __future__ import annotations

import uuid
from functools import partial

from fastapi import Request
from pydantic import BaseModel

from accounts.adapters.unit_of_work import Render
from accounts.app.ports import UnitOfWorkFactory
from accounts.bootstrap import Accounts
from tessera_common.auth.internal_token import Caller
from tessera_common.idempotency import IdempotencyGuard
from tessera_common.idempotency.http import idempotency_guard as guard_of_request

# Tenant ids derived from idempotency keys live in their own UUIDv5 namespace.
TENANT_IDS = uuid.UUID("5d0c4ba5-7e55-4e2a-9d3c-6f1c0e5a7b21")


def idempotency_guard(
    request: Request,
    caller: Caller,
    body: BaseModel | None,
    accounts: Accounts,
    tenant_id: uuid.UUID | None,
) -> IdempotencyGuard | None:
    """The guard of a keyed request, recording which tenant its response is about."""
    return guard_of_request(
        request, caller, body, ttl=accounts.idempotency_ttl, cipher=accounts.response_cipher,
        tenant_id=tenant_id,
    )  # fmt: skip


def units_of_work(
    accounts: Accounts, guard: IdempotencyGuard | None, render: Render
) -> UnitOfWorkFactory:
    return partial(accounts.unit_of_work, guard=guard, render=render)


def new_tenant_id(guard: IdempotencyGuard | None) -> uuid.UUID:
    """A retry of the same keyed request must find the same tenant."""
    if guard is None:
        return uuid.uuid4()
    return uuid.uuid5(TENANT_IDS, f"{guard.scope}\n{guard.key}")
