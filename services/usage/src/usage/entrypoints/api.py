"""POST /v1/usage: batches of up to 10,000 metered records, from a tenant key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from tessera_common.events.envelope import EventEnvelope
from tessera_common.http.commands import CommandDep
from tessera_common.http.idempotency import rendered
from tessera_common.http.json_body import JsonBody
from tessera_common.http.openapi import IDEMPOTENCY_KEY, problems
from tessera_common.http.service_app import CallerDep
from tessera_common.idempotency import StoredResponse
from tessera_common.problems import Problem
from tessera_common.vocabulary import Region
from usage.app.record_usage import Recorded, RecordUsage, record_usage
from usage.entrypoints.schemas import UsageAccepted, UsageBatchIn

router = APIRouter(tags=["usage"])


def _accepted(recorded: Recorded, events: list[EventEnvelope]) -> StoredResponse:
    accepted = UsageAccepted(accepted=recorded.accepted, duplicates=recorded.duplicates)
    return rendered(202, accepted, events)


@router.post(
    "/v1/usage",
    status_code=202,
    response_model=UsageAccepted,
    responses=problems(403, *IDEMPOTENCY_KEY, 503),
)
async def post_usage(
    body: Annotated[UsageBatchIn, Depends(JsonBody(UsageBatchIn))],
    caller: CallerDep,
    command: CommandDep,
) -> Response:
    """Record usage; duplicates (by event_id) are counted, not stored twice."""
    if caller.tenant_id is None or caller.region is None:
        raise Problem(403, "tenant-key-required", "Tenant key required",
                      "usage is recorded with the tenant's own key")  # fmt: skip
    cmd = RecordUsage(caller.tenant_id, Region(caller.region), tuple(body.records))
    return await command.run(record_usage, cmd, _accepted, guard=command.guard(body))
