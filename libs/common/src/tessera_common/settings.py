"""Reusable settings blocks, each bound to its own environment variables.

Services compose these blocks into one settings class, loaded in `create_app`
(never at import time). `env_names()` lists the variables a settings class reads,
so deployment files can be checked against the code.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tessera_common.vocabulary import Region

DEFAULT_OPERATOR_KEY = "tessera-dev-operator-key"
DEFAULT_INTERNAL_TOKEN_SECRET = "tessera-dev-internal-token-secret-change-me"


class _Block(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)


class ShardSettings(_Block):
    """The Postgres shard servers and how regions map onto them."""

    model_config = SettingsConfigDict(env_prefix="SHARD_", extra="ignore", frozen=True)

    # name -> server URL without a database, e.g. postgresql://u:p@127.0.0.1:15432
    servers: dict[str, str] = Field(
        default_factory=lambda: {
            "shard-0": "postgresql://tessera:tessera@127.0.0.1:15432",
            "shard-1": "postgresql://tessera:tessera@127.0.0.1:15433",
            "shard-2": "postgresql://tessera:tessera@127.0.0.1:15434",
        }
    )
    regions: dict[Region, list[str]] = Field(
        default_factory=lambda: {
            Region.US_EAST: ["shard-0", "shard-1"],
            Region.EU_WEST: ["shard-2"],
            Region.APAC: ["shard-2"],
        }
    )
    pool_size: int = Field(default=10, ge=1, le=200)

    @field_validator("servers", "regions", mode="before")
    @classmethod
    def _parse_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value


class DirectorySettings(_Block):
    """The tenant directory database: tenant -> shard placement."""

    model_config = SettingsConfigDict(env_prefix="DIRECTORY_", extra="ignore", frozen=True)

    db_url: str = "postgresql://tessera:tessera@127.0.0.1:15440/directory"
    cache_size: int = Field(default=100_000, ge=0)


class TopologySettings(_Block):
    """How often a process asks the directory for a newer shard topology."""

    model_config = SettingsConfigDict(env_prefix="TOPOLOGY_", extra="ignore", frozen=True)

    poll_seconds: float = Field(default=1.0, gt=0, le=60)


class ReadDbSettings(_Block):
    """The Postgres read-model database."""

    model_config = SettingsConfigDict(env_prefix="READ_DB_", extra="ignore", frozen=True)

    url: str = "postgresql://tessera:tessera@127.0.0.1:15440/read_models"
    pool_size: int = Field(default=10, ge=1, le=200)


class KafkaSettings(_Block):
    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore", frozen=True)

    bootstrap_servers: str = "127.0.0.1:19092"
    topic_partitions: int = Field(default=6, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    linger_ms: int = Field(default=5, ge=0)


class RedisSettings(_Block):
    model_config = SettingsConfigDict(env_prefix="REDIS_", extra="ignore", frozen=True)

    url: str = "redis://127.0.0.1:16379/0"
    # Connections per process; a command waits for a free one when all are in use.
    max_connections: int = Field(default=100, ge=1, le=10_000)


class AuthSettings(_Block):
    """Keys: the operator key callers present, the secret of the internal token."""

    model_config = SettingsConfigDict(env_prefix="TESSERA_", extra="ignore", frozen=True)

    operator_key: SecretStr = SecretStr(DEFAULT_OPERATOR_KEY)
    internal_token_secret: SecretStr = SecretStr(DEFAULT_INTERNAL_TOKEN_SECRET)
    internal_token_ttl_seconds: int = Field(default=60, ge=5, le=3600)


class ObservabilitySettings(_Block):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    log_level: str = "INFO"
    service_instance: str = "local-0"


class OutboxSettings(_Block):
    model_config = SettingsConfigDict(env_prefix="OUTBOX_", extra="ignore", frozen=True)

    batch_size: int = Field(default=500, ge=1, le=10_000)
    poll_interval_seconds: float = Field(default=1.0, gt=0)
    max_backoff_seconds: float = Field(default=10.0, gt=0)
    retention_seconds: int = Field(default=86_400, ge=60)


class IdempotencySettings(_Block):
    model_config = SettingsConfigDict(env_prefix="IDEMPOTENCY_", extra="ignore", frozen=True)

    # How long a key replays its first response (then it may be used afresh).
    ttl_seconds: int = Field(default=86_400, ge=60, le=30 * 86_400)


def env_names(settings_cls: type[BaseModel]) -> set[str]:
    """Every environment variable a service's settings (and their blocks) read."""
    names: set[str] = set()
    prefix = str(settings_cls.model_config.get("env_prefix", "") or "")
    for name, field in settings_cls.model_fields.items():
        block = field.annotation
        if isinstance(block, type) and issubclass(block, BaseModel):
            names |= env_names(block)
        else:
            names.add(f"{prefix}{name}".upper())
    return names
