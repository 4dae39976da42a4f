"""POST /v1/usage: batches of up to 10,000 metered records, from a tenant key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from tessera_common.http.openapi import IDEMPOTENCY_KEY, problems
from tessera_common.http.service_app import CallerDep
from tessera_common.idempotency import StoredResponse
from tessera_common.idempotency.http import as_response, idempotency_guard, rendered
from tessera_common.problems import Problem
from tessera_common.vocabulary import Meter, Region
from usage.domain.batch import MAX_QUANTITY, MAX_RECORDS, UsageRecord
from usage.ingest import Ingested, ingest

router = APIRouter(tags=["usage"])


def _text(value: object) -> object:
    """A JSON timestamp is an RFC 3339 string; a number is not read as seconds since 1970."""
    if isinstance(value, int | float):
        raise ValueError("must be an RFC 3339 date-time string with its offset")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_text)]


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: uuid.UUID = Field(description="Yours; a record sent twice is stored once.")
    meter: Meter
    quantity: int = Field(gt=0, le=MAX_QUANTITY)
    occurred_at: Timestamp


class UsageBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: Annotated[list[RecordIn], Field(min_length=1, max_length=MAX_RECORDS)]


class UsageAccepted(BaseModel):
    accepted: int
    duplicates: int


@router.post(
    "/v1/usage",
    status_code=202,
    response_model=UsageAccepted,
    responses=problems(403, *IDEMPOTENCY_KEY, 503),
)
async def post_usage(body: UsageBatchIn, request: Request, caller: CallerDep) -> Response:
    """Record usage; duplicates (by event_id) are counted, not stored twice."""
    if caller.tenant_id is None or caller.region is None:
        raise Problem(403, "tenant-key-required", "Tenant key required",
                      "usage is recorded with the tenant's own key")  # fmt: skip
    service = request.app.state.usage
    records = [UsageRecord(r.event_id, r.meter, r.quantity, r.occurred_at) for r in body.records]

    def render(result: Ingested) -> StoredResponse:
        accepted = UsageAccepted(accepted=result.accepted, duplicates=result.duplicates)
        return rendered(202, accepted, result.events)

    guard = idempotency_guard(
        request, caller, body, ttl=service.idempotency_ttl, cipher=service.response_cipher
    )
    result = await ingest(
        caller.tenant_id, Region(caller.region), records,
        engines=service.engines, groups=service.groups, now=datetime.now(UTC),
        retention_months=service.settings.retention.retention_months,
        guard=guard, render=render,
    )  # fmt: skip
    return as_response(render(result))
