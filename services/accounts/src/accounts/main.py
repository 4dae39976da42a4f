"""The accounts service: `uvicorn accounts.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from accounts.bootstrap import bootstrap
from accounts.entrypoints import api_keys, moves, tenants, users
from accounts.entrypoints.errors import to_problem
from accounts.settings import AccountsSettings
from tessera_common.http.commands import create_command_app


def create_app(settings: AccountsSettings | None = None) -> FastAPI:
    service = bootstrap(settings or AccountsSettings())
    return create_command_app(
        service, [tenants.router, users.router, api_keys.router, moves.router], to_problem
    )
