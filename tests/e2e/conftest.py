"""Fixtures for tests through the gateway."""

from __future__ import annotations

import httpx
import pytest
from support import Accounts, Api

from tessera_stack.endpoints import Endpoints


@pytest.fixture(scope="session")
def accounts_db(endpoints: Endpoints) -> Accounts:
    return Accounts(endpoints)


@pytest.fixture(scope="session")
def api(gateway: httpx.AsyncClient, operator: dict[str, str]) -> Api:
    return Api(gateway, operator)
