"""What the status page probes besides the gateway's upstreams (nothing more unless set)."""

import json
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class StatusSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STATUS_", extra="ignore", frozen=True)

    # Every gateway instance (this one included), so each shows the whole tier and its
    # KPIs cover every gateway's traffic; unset: this gateway alone.
    gateways: list[str] = Field(default_factory=list)
    # The projector serves no API through the gateway: its health and metrics are polled here.
    projector_url: str = ""
    # Postgres servers by name (e.g. shard-0, read) -> server URL without a database.
    postgres: dict[str, str] = Field(default_factory=dict)
    # The tenant directory (tenants per shard) and the region -> shards map.
    directory_db_url: str = ""
    regions: dict[str, list[str]] = Field(default_factory=dict)
    kafka_bootstrap_servers: str = ""
    refresh_seconds: float = Field(default=3.0, ge=0.5, le=60)

    @field_validator("gateways", "postgres", "regions", mode="before")
    @classmethod
    def _parse_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value
