"""Everything the gateway reads from its environment."""

import json
from typing import Any

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.status.settings import StatusSettings
from tessera_common.settings import AuthSettings, ObservabilitySettings, RedisSettings

MIB = 1024 * 1024


class ProxySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    # pool name -> base URLs of its instances
    upstreams: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "accounts": ["http://127.0.0.1:8101"],
            "billing": ["http://127.0.0.1:8102"],
            "usage": ["http://127.0.0.1:8103"],
            "query": ["http://127.0.0.1:8104"],
        }
    )
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    connect_timeout_seconds: float = Field(default=1.0, gt=0, le=30)
    max_body_bytes: int = Field(default=MIB, ge=1024)
    # Bounds how long a revoked key keeps working.
    key_cache_ttl_seconds: float = Field(default=5.0, ge=0, le=3600)
    key_cache_size: int = Field(default=100_000, ge=1)

    @field_validator("upstreams", mode="before")
    @classmethod
    def _parse_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value


class GatewaySettings(BaseModel):
    proxy: ProxySettings = Field(default_factory=ProxySettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
    status: StatusSettings = Field(default_factory=StatusSettings)
