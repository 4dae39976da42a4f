"""The read models: each is the set of tables one topic feeds, rebuilt and measured as one."""

from __future__ import annotations

from dataclasses import dataclass

from tessera_common.events.topics import ACCOUNTS_EVENTS, BILLING_EVENTS, USAGE_EVENTS


@dataclass(frozen=True)
class ReadModel:
    name: str
    topic: str
    tables: tuple[str, ...]

    @property
    def shadow_schema(self) -> str:
        return f"rebuild_{self.name}"

    @property
    def retired_schema(self) -> str:
        return f"retired_{self.name}"


READ_MODELS = {
    model.name: model
    for model in (
        ReadModel("accounts", ACCOUNTS_EVENTS, ("tenants", "users", "api_keys")),
        ReadModel("billing", BILLING_EVENTS, ("invoices", "subscriptions")),
        ReadModel("usage", USAGE_EVENTS, ("usage_contributions", "usage_hourly", "usage_daily")),
    )
}

READ_MODEL_OF_TOPIC = {model.topic: model.name for model in READ_MODELS.values()}
