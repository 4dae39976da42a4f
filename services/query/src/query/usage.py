"""GET /v1/tenants/{tenant_id}/usage: hourly or daily rollups by meter over a time range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from query.api import ReadModelsDep
from query.conditional import TENANT_READ, json_response
from query.consistency import ConsistentReadDep
from tessera_common.domain_errors import InvalidFieldError
from tessera_common.http.openapi import problems
from tessera_common.http.service_app import TenantIdDep
from tessera_common.problems import not_found
from tessera_common.timestamps import rfc3339
from tessera_common.vocabulary import Meter

router = APIRouter(tags=["usage"])


class Granularity(StrEnum):
    HOUR = "hour"
    DAY = "day"


STEP = {Granularity.HOUR: timedelta(hours=1), Granularity.DAY: timedelta(days=1)}
DEFAULT_SPAN = {Granularity.HOUR: timedelta(hours=24), Granularity.DAY: timedelta(days=30)}
MAX_SPAN = {Granularity.HOUR: timedelta(days=31), Granularity.DAY: timedelta(days=400)}
# Bucket edges a whole span away stay within what `datetime` can hold.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


@router.get("/v1/tenants/{tenant_id}/usage", responses=problems(*TENANT_READ))
async def usage(
    tenant_id: TenantIdDep,
    request: Request,
    *,
    read_models: ReadModelsDep,
    consistent: ConsistentReadDep,
    meter: Meter | None = None,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    granularity: Granularity = Granularity.HOUR,
) -> Response:
    """A tenant's usage per meter and hour or day in [from, to); by default the last 24 h."""
    start, end = _range(start, end, granularity)
    if await read_models.tenant(tenant_id, fresh=consistent) is None:
        raise not_found("Tenant")
    rows = await read_models.usage(tenant_id, meter, start, end, granularity.value)
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["meter"]] = totals.get(row["meter"], 0) + row["quantity"]
    return json_response(
        request,
        {
            "tenant_id": str(tenant_id),
            "granularity": granularity.value,
            "from": rfc3339(start),
            "to": rfc3339(end),
            "items": [
                {
                    "meter": row["meter"],
                    "start": rfc3339(row["start"]),
                    "quantity": row["quantity"],
                }
                for row in rows
            ],
            "totals": totals,
        },
    )


def _range(
    start: datetime | None, end: datetime | None, granularity: Granularity
) -> tuple[datetime, datetime]:
    """Whole buckets in UTC: `from` rounds down, `to` rounds up."""
    for field, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise InvalidFieldError(field, "needs a time zone, e.g. 2026-01-01T00:00:00Z")
        if value is not None and not EARLIEST <= value <= LATEST:
            raise InvalidFieldError(field, "must lie between 1970 and 9998 (UTC)")
    step = STEP[granularity]
    end = _ceil(end or datetime.now(UTC), step)
    start = _floor(start or end - DEFAULT_SPAN[granularity], step)
    if start >= end:
        raise InvalidFieldError("from", "must be before `to`")
    if end - start > MAX_SPAN[granularity]:
        days = MAX_SPAN[granularity].days
        raise InvalidFieldError("to", f"at most {days} days after `from` by {granularity.value}")
    return start, end


def _floor(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + (moment.astimezone(UTC) - epoch) // step * step


def _ceil(moment: datetime, step: timedelta) -> datetime:
    floor = _floor(moment, step)
    return floor if floor == moment else floor + step
