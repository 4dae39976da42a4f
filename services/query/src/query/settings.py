"""Everything the query service reads from its environment."""

from pydantic import BaseModel, Field

from tessera_common.settings import (
    AuthSettings,
    ObservabilitySettings,
    ReadDbSettings,
    RedisSettings,
)


class QuerySettings(BaseModel):
    redis: RedisSettings = Field(default_factory=RedisSettings)
    read_db: ReadDbSettings = Field(default_factory=ReadDbSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
