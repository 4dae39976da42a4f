"""Everything the billing service reads from its environment."""

from pydantic import BaseModel, Field

from tessera_common.settings import (
    AuthSettings,
    KafkaSettings,
    ObservabilitySettings,
    OutboxSettings,
    ShardSettings,
)

DATABASE = "billing"


class BillingSettings(BaseModel):
    shards: ShardSettings = Field(default_factory=ShardSettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
