"""HTTP request and response bodies of the usage API."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from tessera_common.vocabulary import Meter, Region
from usage.domain.batch import MAX_QUANTITY, MAX_RECORDS, UsageRecord

MAX_TENANTS = 1_000


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

    def record(self) -> UsageRecord:
        return UsageRecord(self.event_id, self.meter, self.quantity, self.occurred_at)


class UsageBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: Annotated[list[RecordIn], Field(min_length=1, max_length=MAX_RECORDS)]


class UsageAccepted(BaseModel):
    accepted: int
    duplicates: int


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
