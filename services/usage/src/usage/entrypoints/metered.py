"""POST /internal/usage/metered: the gateway's metered API calls, many tenants at once.

The gateway counts each tenant's calls per minute and flushes them every few seconds;
one request per tenant would grow with the tenants that called. This takes them all in
one request: one transaction per shard, an event per tenant with new records. Event ids
make a resent flush a duplicate. Only the gateway (an operator token) may call it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from tessera_common.http.commands import CommandDep
from tessera_common.http.json_body import JsonBody
from tessera_common.http.openapi import problems
from tessera_common.http.service_app import OperatorDep
from usage.app.record_metered import RecordMetered, TenantRecords, record_metered
from usage.entrypoints.schemas import MeteredAccepted, MeteredIn, TenantOutcomeOut

router = APIRouter(tags=["usage"])


@router.post(
    "/internal/usage/metered",
    status_code=202,
    response_model=MeteredAccepted,
    responses=problems(403, 503),
)
async def post_metered(
    body: Annotated[MeteredIn, Depends(JsonBody(MeteredIn))], _: OperatorDep, command: CommandDep
) -> MeteredAccepted:
    """Record many tenants' metered calls; a tenant with invalid records is refused alone."""
    cmd = RecordMetered(
        tuple(TenantRecords(t.tenant_id, t.region, tuple(t.records)) for t in body.tenants)
    )
    outcomes = await command.outcome(record_metered, cmd)
    return MeteredAccepted(
        tenants=[
            TenantOutcomeOut(
                tenant_id=o.tenant_id,
                accepted=o.accepted,
                duplicates=o.duplicates,
                refused=o.refused,
            )
            for o in outcomes
        ]
    )
