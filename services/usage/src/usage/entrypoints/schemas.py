"""HTTP request and response bodies of the usage API."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Strict, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from tessera_common.vocabulary import Meter, Region
from usage.domain.batch import MAX_QUANTITY, MAX_RECORDS, UsageRecord

MAX_TENANTS = 1_000


# A JSON timestamp is an RFC 3339 string with its offset: strict, a number is not read as
# seconds since 1970 (bodies are read from JSON: `JsonBody`).
Timestamp = Annotated[AwareDatetime, Strict()]


# A usage record as the API reads it: pydantic-core validates each record of a batch
# straight into the domain's type, with no copy per record.
@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class RecordIn(UsageRecord):
    event_id: Annotated[uuid.UUID, Field(description="Yours; a record sent twice is stored once.")]
    meter: Meter
    quantity: Annotated[int, Field(gt=0, le=MAX_QUANTITY)]
    occurred_at: Timestamp


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
