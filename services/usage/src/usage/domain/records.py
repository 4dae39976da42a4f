"""A usage record: one metered quantity at one moment, named by the client's event id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tessera_common.vocabulary import Meter


@dataclass(frozen=True)
class UsageRecord:
    event_id: uuid.UUID  # the client's: sending a record twice stores it once
    meter: Meter
    quantity: int
    occurred_at: datetime
