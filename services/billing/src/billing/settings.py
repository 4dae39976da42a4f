"""Everything the billing service reads from its environment."""

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tessera_common.settings import (
    AuthSettings,
    IdempotencySettings,
    KafkaSettings,
    ObservabilitySettings,
    OutboxSettings,
    ShardSettings,
)

DATABASE = "billing"


class TermsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore", frozen=True)

    payment_terms_days: int = Field(default=14, ge=0, le=365)
    overdue_scan_seconds: float = Field(default=10.0, gt=0, le=3600)


class BillingSettings(BaseModel):
    terms: TermsSettings = Field(default_factory=TermsSettings)
    shards: ShardSettings = Field(default_factory=ShardSettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    idempotency: IdempotencySettings = Field(default_factory=IdempotencySettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
