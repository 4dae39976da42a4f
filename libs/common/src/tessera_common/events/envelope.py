"""The envelope every integration event travels in (docs/events.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

# The Kafka header repeating the envelope's event_type: a consumer passes over the events
# it does not react to without parsing them.
EVENT_TYPE_HEADER = "event_type"


class EventEnvelope(BaseModel):
    """Metadata plus a payload; the Kafka key is `tenant_id`."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID
    event_type: str = Field(min_length=1, max_length=100)
    schema_version: int = Field(ge=1)
    tenant_id: uuid.UUID
    aggregate_type: str = Field(min_length=1, max_length=50)
    aggregate_id: uuid.UUID
    aggregate_version: int = Field(ge=1)
    occurred_at: datetime
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    payload: dict[str, Any]

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, raw: bytes | str) -> EventEnvelope:
        return cls.model_validate_json(raw)


def new_event(
    payload: BaseModel,
    *,
    tenant_id: uuid.UUID,
    aggregate_type: str,
    aggregate_id: uuid.UUID,
    aggregate_version: int,
    correlation_id: uuid.UUID,
    causation_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> EventEnvelope:
    """Wrap a contract payload (whose class carries `event_type`, `schema_version`)."""
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type=payload.__class__.event_type,  # type: ignore[attr-defined]
        schema_version=payload.__class__.schema_version,  # type: ignore[attr-defined]
        tenant_id=tenant_id,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=aggregate_version,
        occurred_at=occurred_at or datetime.now(UTC),
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=payload.model_dump(mode="json"),
    )


@dataclass(frozen=True)
class IntegrationEvent:
    """A domain event as its published contract: the payload and the aggregate it is about.
    A command's unit of work wraps it in an envelope with the command's ids."""

    payload: BaseModel
    tenant_id: uuid.UUID
    aggregate_type: str
    aggregate_id: uuid.UUID
    aggregate_version: int

    def envelope(
        self, correlation_id: uuid.UUID, causation_id: uuid.UUID | None = None
    ) -> EventEnvelope:
        return new_event(
            self.payload,
            tenant_id=self.tenant_id,
            aggregate_type=self.aggregate_type,
            aggregate_id=self.aggregate_id,
            aggregate_version=self.aggregate_version,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
