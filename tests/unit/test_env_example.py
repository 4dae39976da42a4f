"""`.env.example` documents exactly the variables the services read."""

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from accounts.settings import AccountsSettings
from billing.settings import BillingSettings
from gateway.settings import GatewaySettings
from projector.settings import ProjectorSettings
from query.settings import QuerySettings
from tessera_common.settings import env_names
from usage.settings import UsageSettings

SETTINGS: list[type[BaseModel]] = [
    AccountsSettings,
    BillingSettings,
    UsageSettings,
    QuerySettings,
    ProjectorSettings,
    GatewaySettings,
]
EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def documented() -> set[str]:
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(), re.MULTILINE))


def test_every_variable_read_is_documented() -> None:
    read = set().union(*(env_names(cls) for cls in SETTINGS))
    assert read - documented() == set()


def test_nothing_documented_is_unread() -> None:
    read = set().union(*(env_names(cls) for cls in SETTINGS))
    assert documented() - read == {"TESSERA_GATEWAY_URL"}


def test_the_documented_values_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    for line in EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            monkeypatch.setenv(name, value)
    for cls in SETTINGS:
        assert cls().model_dump()
