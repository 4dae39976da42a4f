"""PUT /v1/tenants/{tenant_id}/subscription: plan and seats."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from billing.app.subscriptions import ChangeSubscription, change_subscription
from billing.bootstrap import utc_now
from billing.domain.subscription import Subscription
from billing.entrypoints.deps import BillingDep
from tessera_common.http.openapi import problems
from tessera_common.http.preconditions import OptionalVersion
from tessera_common.http.service_app import TenantIdDep
from tessera_common.idempotency.http import as_response, rendered
from tessera_common.vocabulary import Currency, Plan

router = APIRouter(tags=["billing"])


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


def _body(subscription: Subscription) -> SubscriptionBody:
    return SubscriptionBody(
        tenant_id=subscription.tenant_id,
        plan=subscription.plan,
        seats=subscription.seats,
        currency=subscription.currency,
        status=subscription.status.value,
        monthly_fee=subscription.prices.monthly_fee,
        seat_price=subscription.prices.seat_price,
        version=subscription.version,
        started_at=subscription.started_at,
    )


@router.put(
    "/v1/tenants/{tenant_id}/subscription",
    response_model=SubscriptionBody,
    responses=problems(400, 404, 409, 412, 503),
)
async def put_subscription(
    tenant_id: TenantIdDep,
    body: PutSubscriptionRequest,
    *,
    billing: BillingDep,
    if_match: OptionalVersion,
) -> Response:
    """Set the plan and seats of a tenant's subscription (If-Match optional)."""
    cmd = ChangeSubscription(tenant_id, body.plan, body.seats, if_match, uuid.uuid4())
    subscription, events = await change_subscription(
        cmd, billing.unit_of_work, billing.price_book, utc_now
    )
    return as_response(rendered(200, _body(subscription), events, etag=subscription.version))
