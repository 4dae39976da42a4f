"""POST /internal/usage/metered: the gateway's metered API calls, many tenants at once.

The gateway counts each tenant's calls per minute and flushes them every few seconds;
one request per tenant would grow with the tenants that called. This takes them all in
one request: one transaction per shard, an event per tenant with new records. Event ids
make a resent flush a duplicate. Only the gateway (an operator token) may call it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tessera_common.http.openapi import problems
from tessera_common.http.service_app import OperatorDep
from tessera_common.vocabulary import Region
from usage.domain.batch import MAX_RECORDS, UsageRecord
from usage.entrypoints.api import RecordIn
from usage.ingest import TenantRecords, ingest_many

router = APIRouter(tags=["usage"])
MAX_TENANTS = 1_000


class TenantRecordsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant_id: uuid.UUID
    region: Region
    records: Annotated[list[RecordIn], Field(min_length=1, max_length=MAX_RECORDS)]


class MeteredIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenants: Annotated[list[TenantRecordsIn], Field(min_length=1, max_length=MAX_TENANTS)]

    @model_validator(mode="after")
    def _bounded(self) -> MeteredIn:
        if sum(len(t.records) for t in self.tenants) > MAX_RECORDS:
            raise ValueError(f"at most {MAX_RECORDS} records in all")
        if len({t.tenant_id for t in self.tenants}) != len(self.tenants):
            raise ValueError("each tenant once")
        return self


class TenantOutcomeOut(BaseModel):
    tenant_id: uuid.UUID
    accepted: int
    duplicates: int
    refused: str | None = Field(default=None, description="Why none of its records were taken")


class MeteredAccepted(BaseModel):
    tenants: list[TenantOutcomeOut]


@router.post(
    "/internal/usage/metered",
    status_code=202,
    response_model=MeteredAccepted,
    responses=problems(403, 503),
)
async def post_metered(body: MeteredIn, request: Request, _: OperatorDep) -> MeteredAccepted:
    """Record many tenants' metered calls; a tenant with invalid records is refused alone."""
    service = request.app.state.usage
    entries = [
        TenantRecords(
            t.tenant_id,
            t.region,
            [UsageRecord(r.event_id, r.meter, r.quantity, r.occurred_at) for r in t.records],
        )
        for t in body.tenants
    ]
    outcomes = await ingest_many(
        entries, engines=service.engines, groups=service.groups, now=datetime.now(UTC),
        retention_months=service.settings.retention.retention_months,
    )  # fmt: skip
    return MeteredAccepted(
        tenants=[
            TenantOutcomeOut(
                tenant_id=o.tenant_id,
                accepted=o.accepted,
                duplicates=o.duplicates,
                refused=o.refused,
            )
            for o in outcomes
        ]
    )
