"""Each command service's composition root provides every handler of its app layer with
what it asks for, by name: a handler asking for something the root lacks fails here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

import accounts.app
import accounts.bootstrap
import billing.app
import billing.bootstrap
import usage.app
import usage.bootstrap
from accounts.settings import AccountsSettings
from billing.settings import BillingSettings
from tessera_common.commands.runner import Handler
from tessera_common.commands.service import CommandService
from usage.settings import UsageSettings

ROOTS: dict[str, tuple[ModuleType, Callable[[], CommandService[Any]]]] = {
    "accounts": (accounts.app, lambda: accounts.bootstrap.bootstrap(AccountsSettings())),
    "billing": (billing.app, lambda: billing.bootstrap.bootstrap(BillingSettings())),
    "usage": (usage.app, lambda: usage.bootstrap.bootstrap(UsageSettings())),
}


def handlers(package: ModuleType) -> list[Handler[Any]]:
    """Every `async def name(cmd_or_query, uow, ...)` the package's modules define."""
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for _, function in inspect.getmembers(module, inspect.iscoroutinefunction):
            parameters = list(inspect.signature(function).parameters)
            if function.__module__ == module.__name__ and parameters[1:2] == ["uow"]:
                found.append(function)
    return found


@pytest.mark.parametrize("service", sorted(ROOTS))
async def test_the_root_provides_what_every_handler_asks_for(service: str) -> None:
    package, bootstrap = ROOTS[service]
    root = bootstrap()  # engines and clients are made, nothing is connected
    try:
        found = handlers(package)
        assert len(found) >= 2, found
        for handler in found:
            root.commands.arguments(handler)  # a TypeError names what is missing
    finally:
        await root.stop()
