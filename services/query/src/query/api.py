"""The query API: tenant profiles and user lists, from the read models."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from query.conditional import TENANT_READ, json_response
from query.consistency import ConsistentReadDep
from query.pagination import decode_cursor, encode_cursor
from query.readers import ReadModels, user_document
from tessera_common.http.openapi import problems
from tessera_common.http.service_app import TenantIdDep
from tessera_common.problems import not_found

router = APIRouter()


async def get_read_models(request: Request) -> ReadModels:
    read_models: ReadModels = request.app.state.read_models
    return read_models


ReadModelsDep = Annotated[ReadModels, Depends(get_read_models)]


@router.get("/v1/tenants/{tenant_id}", responses=problems(*TENANT_READ))
async def get_tenant(
    tenant_id: TenantIdDep,
    request: Request,
    read_models: ReadModelsDep,
    consistent: ConsistentReadDep,
) -> Response:
    """A tenant's profile: plan, status, user count."""
    document = await read_models.tenant(tenant_id, fresh=consistent)
    if document is None:
        raise not_found("Tenant")
    return json_response(request, document)


@router.get("/v1/tenants/{tenant_id}/users", responses=problems(*TENANT_READ))
async def list_users(
    tenant_id: TenantIdDep,
    request: Request,
    *,
    read_models: ReadModelsDep,
    consistent: ConsistentReadDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """A page of a tenant's users, oldest first; follow `next_cursor` for more."""
    if await read_models.tenant(tenant_id, fresh=consistent) is None:
        raise not_found("Tenant")
    after = decode_cursor(cursor) if cursor else None
    rows = await read_models.users_page(tenant_id, after, limit + 1)
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1]["created_at"], page[-1]["id"]) if more else None
    page_document = {"items": [user_document(row) for row in page], "next_cursor": next_cursor}
    return json_response(request, page_document)


@router.get("/v1/tenants/{tenant_id}/users/{user_id}", responses=problems(*TENANT_READ))
async def get_user(
    tenant_id: TenantIdDep,
    user_id: uuid.UUID,
    request: Request,
    read_models: ReadModelsDep,
    _: ConsistentReadDep,
) -> Response:
    """One user of a tenant."""
    row = await read_models.user(tenant_id, user_id)
    if row is None:
        raise not_found("User")
    return json_response(request, user_document(row))
