"""The usage service: `uvicorn usage.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from tessera_common.http.commands import create_command_app
from usage.bootstrap import bootstrap
from usage.entrypoints import api, metered
from usage.settings import UsageSettings


def create_app(settings: UsageSettings | None = None) -> FastAPI:
    service = bootstrap(settings or UsageSettings())
    return create_command_app(service, [api.router, metered.router])
