"""GET /v1/plans: public, cacheable by shared caches, revalidated with its ETag."""

from __future__ import annotations

import json

from support import Api

from billing.domain.price_book import PriceBook
from tessera_common.vocabulary import Currency, Plan


async def test_the_price_book_is_public_and_cacheable(api: Api) -> None:
    response = await api.gateway.get("/v1/plans")  # no key at all
    assert response.status_code == 200
    assert "public" in response.headers["cache-control"]
    assert "s-maxage=" in response.headers["cache-control"]
    book = PriceBook.from_dict(json.loads(response.content))  # billing's own parser agrees
    assert book.price(Plan.FREE, Currency.GBP).monthly_fee == 0
    assert set(response.json()) == {plan.value for plan in Plan}

    revalidated = await api.gateway.get(
        "/v1/plans", headers={"If-None-Match": response.headers["etag"]}
    )
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    stale = await api.gateway.get("/v1/plans", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200
