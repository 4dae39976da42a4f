"""Everything the query service reads from its environment."""

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tessera_common.settings import (
    AuthSettings,
    ObservabilitySettings,
    ReadDbSettings,
    RedisSettings,
)


class ConsistencySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUERY_", extra="ignore", frozen=True)

    # How long a read with X-Consistency-Token may wait for the projection.
    consistency_max_wait_seconds: float = Field(default=2.0, gt=0, le=30)
    # L1: profiles kept in process; invalidations drop them at once, and the short TTL
    # bounds how stale one can be if an invalidation is ever lost.
    l1_size: int = Field(default=10_000, ge=1)
    l1_ttl_seconds: float = Field(default=5.0, gt=0, le=3600)


class QuerySettings(BaseModel):
    consistency: ConsistencySettings = Field(default_factory=ConsistencySettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    read_db: ReadDbSettings = Field(default_factory=ReadDbSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
