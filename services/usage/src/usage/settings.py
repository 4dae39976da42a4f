"""Everything the usage service reads from its environment."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tessera_common.commands.settings import CommandSettings

DATABASE = "usage"


class RetentionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="USAGE_", extra="ignore", frozen=True)

    # Records older than this many months are refused (and, later, archived).
    retention_months: int = Field(default=13, ge=1, le=120)
    # Monthly partitions kept created ahead of time.
    partitions_ahead: int = Field(default=3, ge=1, le=24)


class UsageSettings(CommandSettings):
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
