"""The operator's tenant directory across every shard, from the read DB (no scatter-gather)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from query.api import ReadModelsDep
from query.conditional import OPERATOR_READ, json_response
from query.consistency import ConsistentReadDep
from query.pagination import decode_cursor, encode_cursor
from tessera_common.http.openapi import problems
from tessera_common.http.service_app import OperatorDep
from tessera_common.read_documents import tenant_profile
from tessera_common.vocabulary import Plan, Region, TenantStatus

router = APIRouter(tags=["directory"])
NO_CONTROLS = r"^[^\x00-\x1f\x7f]*$"


def like_literal(text: str) -> str:
    """The search text with LIKE's wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@router.get("/v1/tenants", responses=problems(*OPERATOR_READ))
async def directory(
    request: Request,
    *,
    read_models: ReadModelsDep,
    _: OperatorDep,
    __: ConsistentReadDep,
    region: Region | None = None,
    plan: Plan | None = None,
    status: TenantStatus | None = None,
    # No control characters: no name has one, and Postgres refuses NUL in text.
    q: Annotated[str | None, Query(min_length=1, max_length=100, pattern=NO_CONTROLS)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Every tenant, oldest first, filtered by region, plan, status and name (`q`)."""
    rows = await read_models.directory(
        region=region.value if region else None,
        plan=plan.value if plan else None,
        status=status.value if status else None,
        name_like=like_literal(q) if q else None,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1]["created_at"], page[-1]["id"]) if more else None
    page_document = {"items": [tenant_profile(row) for row in page], "next_cursor": next_cursor}
    return json_response(request, page_document)
