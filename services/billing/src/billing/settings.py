"""Everything the billing service reads from its environment."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tessera_common.commands.settings import CommandSettings

DATABASE = "billing"


class TermsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore", frozen=True)

    payment_terms_days: int = Field(default=14, ge=0, le=365)
    overdue_scan_seconds: float = Field(default=10.0, gt=0, le=3600)


class BillingSettings(CommandSettings):
    terms: TermsSettings = Field(default_factory=TermsSettings)
