"""Domain events of the usage service: facts, past tense, stdlib only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from usage.domain.records import UsageRecord


@dataclass(frozen=True)
class BatchRecorded:
    """A batch's records that were not stored before now are (duplicates drop out)."""

    tenant_id: uuid.UUID
    records: tuple[UsageRecord, ...]
    recorded_at: datetime
