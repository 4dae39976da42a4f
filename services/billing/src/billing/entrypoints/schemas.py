"""HTTP request and response bodies of the billing API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tessera_common.events.billing import InvoiceLine
from tessera_common.vocabulary import Currency, Plan


class PutSubscriptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Plan
    seats: int = Field(ge=1, le=10_000)


class SubscriptionBody(BaseModel):
    tenant_id: uuid.UUID
    plan: Plan
    seats: int
    currency: Currency
    status: str
    monthly_fee: int = Field(description="Integer minor units of the currency.")
    seat_price: int
    version: int
    started_at: datetime


class IssueInvoiceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=r"^\d{4}-\d{2}$", description="A closed month, YYYY-MM.")


class PaymentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_id: uuid.UUID = Field(description="Yours; paying twice with it pays once.")
    invoice_id: uuid.UUID
    amount: int = Field(gt=0, le=10**12, description="Integer minor units.")
    currency: Currency


class InvoiceBody(BaseModel):
    invoice_id: uuid.UUID
    tenant_id: uuid.UUID
    period: str
    plan: str
    currency: Currency
    lines: list[InvoiceLine]
    total: int
    balance: int
    status: str
    version: int
    issued_at: datetime
    due_at: datetime


class PaymentBody(BaseModel):
    payment_id: uuid.UUID
    invoice_id: uuid.UUID
    amount: int
    currency: Currency
    received_at: datetime
    invoice_status: str
    invoice_balance: int
