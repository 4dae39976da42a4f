"""Invoice reads: newest month first, and one by id."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from query.api import ReadModelsDep
from query.conditional import TENANT_READ, json_response
from query.consistency import ConsistentReadDep
from query.readers import invoice_document
from tessera_common.http.openapi import problems
from tessera_common.http.service_app import TenantIdDep
from tessera_common.problems import not_found

router = APIRouter(prefix="/v1/tenants/{tenant_id}/invoices", tags=["invoices"])


@router.get("", responses=problems(*TENANT_READ))
async def list_invoices(
    tenant_id: TenantIdDep,
    request: Request,
    *,
    read_models: ReadModelsDep,
    _: ConsistentReadDep,
    cursor: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
) -> Response:
    """A tenant's invoices, newest month first; `next_cursor` pages on."""
    rows = await read_models.invoices(tenant_id, cursor, limit + 1)
    page, more = rows[:limit], len(rows) > limit
    return json_response(
        request,
        {
            "items": [invoice_document(row) for row in page],
            "next_cursor": page[-1]["period"] if more else None,
        },
    )


@router.get("/{invoice_id}", responses=problems(*TENANT_READ))
async def get_invoice(
    tenant_id: TenantIdDep,
    invoice_id: uuid.UUID,
    request: Request,
    read_models: ReadModelsDep,
    _: ConsistentReadDep,
) -> Response:
    """One invoice, with its lines, total and balance."""
    row = await read_models.invoice(tenant_id, invoice_id)
    if row is None:
        raise not_found("Invoice")
    return json_response(request, invoice_document(row))
