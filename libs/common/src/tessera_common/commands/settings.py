"""The settings every command service reads; each service adds its own blocks."""

from pydantic import BaseModel, Field

from tessera_common.settings import (
    AuthSettings,
    IdempotencySettings,
    KafkaSettings,
    ObservabilitySettings,
    OutboxSettings,
    ShardSettings,
)


class CommandSettings(BaseModel):
    shards: ShardSettings = Field(default_factory=ShardSettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    idempotency: IdempotencySettings = Field(default_factory=IdempotencySettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
