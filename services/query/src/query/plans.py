"""GET /v1/plans: the public price book, cacheable by the edge (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from query.conditional import conditional
from tessera_common.http.openapi import problems

router = APIRouter(tags=["plans"])
# Shared caches (the edge) keep it 5 minutes, browsers 1; the ETag makes revalidation cheap.
CACHE_CONTROL = "public, max-age=60, s-maxage=300"


@router.get("/v1/plans", responses=problems(304))
async def plans(request: Request) -> Response:
    """Every plan's prices per currency, in integer minor units."""
    return conditional(request, request.app.state.price_book, CACHE_CONTROL)
