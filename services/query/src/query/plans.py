"""GET /v1/plans: the public price book, cacheable by the edge (no key needed)."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request, Response

router = APIRouter(tags=["plans"])
# Shared caches (the edge) keep it 5 minutes, browsers 1; the ETag makes revalidation cheap.
CACHE_CONTROL = "public, max-age=60, s-maxage=300"


@router.get("/v1/plans")
async def plans(request: Request) -> Response:
    """Every plan's prices per currency, in integer minor units."""
    body = request.app.state.price_book
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
