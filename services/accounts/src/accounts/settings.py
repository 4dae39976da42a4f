"""Everything the accounts service reads from its environment."""

from pydantic import BaseModel, Field

from tessera_common.settings import (
    AuthSettings,
    DirectorySettings,
    IdempotencySettings,
    KafkaSettings,
    ObservabilitySettings,
    OutboxSettings,
    ShardSettings,
)

DATABASE = "accounts"


class AccountsSettings(BaseModel):
    shards: ShardSettings = Field(default_factory=ShardSettings)
    directory: DirectorySettings = Field(default_factory=DirectorySettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    idempotency: IdempotencySettings = Field(default_factory=IdempotencySettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
