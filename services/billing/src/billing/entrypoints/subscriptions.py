"""PUT /v1/tenants/{tenant_id}/subscription: plan and seats."""

from __future__ import annotations

from fastapi import APIRouter, Response

from billing.app.change_subscription import ChangeSubscription, change_subscription
from billing.domain.subscription import Subscription
from billing.entrypoints.responses import subscription_body
from billing.entrypoints.schemas import PutSubscriptionRequest, SubscriptionBody
from tessera_common.events.envelope import EventEnvelope
from tessera_common.http.commands import CommandDep
from tessera_common.http.idempotency import rendered
from tessera_common.http.openapi import problems
from tessera_common.http.preconditions import OptionalVersion
from tessera_common.http.service_app import TenantIdDep
from tessera_common.idempotency import StoredResponse

router = APIRouter(tags=["billing"])


def _subscription(subscription: Subscription, events: list[EventEnvelope]) -> StoredResponse:
    return rendered(200, subscription_body(subscription), events, etag=subscription.version)


@router.put(
    "/v1/tenants/{tenant_id}/subscription",
    response_model=SubscriptionBody,
    responses=problems(400, 404, 409, 412, 503),
)
async def put_subscription(
    tenant_id: TenantIdDep,
    body: PutSubscriptionRequest,
    *,
    command: CommandDep,
    if_match: OptionalVersion,
) -> Response:
    """Set the plan and seats of a tenant's subscription (If-Match optional)."""
    cmd = ChangeSubscription(tenant_id, body.plan, body.seats, if_match)
    return await command.run(change_subscription, cmd, _subscription)
