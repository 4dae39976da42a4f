"""Everything the projector reads from its environment."""

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tessera_common.settings import (
    KafkaSettings,
    ObservabilitySettings,
    ReadDbSettings,
    RedisSettings,
)


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROJECTOR_", extra="ignore", frozen=True)

    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8105, ge=1, le=65535)
    batch_size: int = Field(default=500, ge=1, le=10_000)
    batch_window_seconds: float = Field(default=0.02, gt=0, le=5)
    group_id: str = "tessera-projector"
    # Faust's data directory (its table state), relative to the working directory: the
    # local stack's root, so under the git-ignored .run/, and /app in the image.
    data_dir: str = ".run/projector"
    # How soon the group notices a dead worker and gives its partitions to the others.
    session_timeout_seconds: float = Field(default=10.0, ge=6, le=300)
    # One attempt to apply a batch to the stores; past it the attempt is retried. A batch
    # takes milliseconds: this only bounds a store call that never returns.
    apply_timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    # Events waiting on this worker's partitions with no offset committed (or a rebalance
    # unfinished) this long: not ready. Longer still: the worker restarts itself.
    stall_seconds: float = Field(default=30.0, ge=10, le=3600)
    stall_restart_seconds: float = Field(default=60.0, ge=10, le=3600)


class ProjectorSettings(BaseModel):
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    read_db: ReadDbSettings = Field(default_factory=ReadDbSettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
