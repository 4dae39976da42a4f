"""The billing service: `uvicorn billing.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from billing.bootstrap import bootstrap
from billing.entrypoints import invoices, subscriptions
from billing.entrypoints.errors import to_problem
from billing.settings import BillingSettings
from tessera_common.http.commands import create_command_app


def create_app(settings: BillingSettings | None = None) -> FastAPI:
    service = bootstrap(settings or BillingSettings())
    return create_command_app(service, [subscriptions.router, invoices.router], to_problem)
