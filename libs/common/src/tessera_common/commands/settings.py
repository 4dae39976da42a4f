"""The settings every command service reads; each service adds its own blocks."""

from pydantic import BaseModel, Field

from tessera_common.settings import (
    AuthSettings,
    DirectorySettings,
    IdempotencySettings,
    KafkaSettings,
    ObservabilitySettings,
    OutboxSettings,
    ShardSettings,
    TopologySettings,
)


class CommandSettings(BaseModel):
    shards: ShardSettings = Field(default_factory=ShardSettings)
    directory: DirectorySettings = Field(default_factory=DirectorySettings)
    topology: TopologySettings = Field(default_factory=TopologySettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    idempotency: IdempotencySettings = Field(default_factory=IdempotencySettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
