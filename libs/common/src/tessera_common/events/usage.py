"""Contracts of the usage bounded context, published on `usage.events`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, Field

from tessera_common.events.contract import Contract
from tessera_common.vocabulary import Meter


class UsageTotal(BaseModel):
    period: str  # "YYYY-MM"
    meter: Meter
    quantity: int


class UsageHourTotal(BaseModel):
    hour: datetime  # the hour's start, UTC
    meter: Meter
    quantity: int


class UsageRecorded(Contract):
    """What one ingested batch added (duplicates excluded), per month and meter."""

    event_type: ClassVar[str] = "UsageRecorded"

    batch_id: uuid.UUID
    tenant_id: uuid.UUID
    totals: list[UsageTotal]
    records: int
    recorded_at: datetime
    # Added later (optional, so earlier events still parse): the same quantities per hour.
    hourly: list[UsageHourTotal] = Field(default_factory=list)


USAGE_CONTRACTS: dict[str, type[Contract]] = {UsageRecorded.event_type: UsageRecorded}
