"""API keys: issue (shown once), revoke; and the authoritative check for the gateway."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Path, Request, Response

from accounts.app.api_keys import IssueApiKey, RevokeApiKey, issue_api_key, revoke_api_key
from accounts.app.tenancy import Outcome
from accounts.app.verify_api_key import verify_api_key
from accounts.bootstrap import utc_now
from accounts.domain.api_key import ApiKey
from accounts.entrypoints import links
from accounts.entrypoints.deps import AccountsDep, CorrelationDep
from accounts.entrypoints.idempotency import idempotency_guard, units_of_work
from accounts.entrypoints.responses import as_response, rendered
from accounts.entrypoints.schemas import ApiKeyBody, IssuedApiKeyBody
from tessera_common.http.openapi import IDEMPOTENCY_KEY, problems
from tessera_common.http.service_app import CallerDep, OperatorDep, TenantIdDep
from tessera_common.idempotency import StoredResponse
from tessera_common.problems import Problem

router = APIRouter(tags=["api-keys"])
DIGEST = Path(pattern=r"^[0-9a-f]{64}$")


@router.post(
    "/v1/tenants/{tenant_id}/api-keys",
    status_code=201,
    response_model=IssuedApiKeyBody,
    responses={**links.API_KEY_CREATED, **problems(404, 409, *IDEMPOTENCY_KEY, 503)},
)
async def post_api_key(
    tenant_id: TenantIdDep,
    request: Request,
    *,
    accounts: AccountsDep,
    caller: CallerDep,
    correlation: CorrelationDep,
) -> Response:
    """Issue a new key; its plaintext is in this response only."""

    def render(outcome: Outcome[tuple[ApiKey, str]]) -> StoredResponse:
        key, plaintext = outcome.result
        issued = IssuedApiKeyBody(
            key_id=key.id, tenant_id=tenant_id, api_key=plaintext, prefix=key.prefix,
            issued_at=key.issued_at,
        )  # fmt: skip
        location = f"/v1/tenants/{tenant_id}/api-keys/{key.id}"
        return rendered(201, issued, outcome.events, location=location)

    guard = idempotency_guard(request, caller, None, accounts, tenant_id)
    cmd = IssueApiKey(tenant_id, correlation)
    outcome = await issue_api_key(
        cmd, units_of_work(accounts, guard, render), accounts.directory, utc_now
    )
    return as_response(render(outcome))


@router.delete(
    "/v1/tenants/{tenant_id}/api-keys/{key_id}",
    status_code=204,
    responses=problems(404, 409, 503),
)
async def delete_api_key(
    tenant_id: TenantIdDep,
    key_id: uuid.UUID,
    *,
    accounts: AccountsDep,
    correlation: CorrelationDep,
) -> Response:
    """Revoke a key (idempotent); the gateway stops accepting it within its cache TTL."""
    cmd = RevokeApiKey(tenant_id, key_id, correlation)
    outcome = await revoke_api_key(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    return as_response(rendered(204, None, outcome.events))


@router.get(
    "/internal/tenants/{tenant_id}/api-keys/{digest}",
    response_model=ApiKeyBody,
    responses=problems(403, 404, 503),
)
async def get_api_key(
    tenant_id: uuid.UUID, accounts: AccountsDep, _: OperatorDep, digest: str = DIGEST
) -> ApiKeyBody:
    """The authoritative state of a key, by its SHA-256 digest (for the gateway)."""
    found = await verify_api_key(tenant_id, digest, accounts.unit_of_work, accounts.directory)
    if found is None:
        raise Problem(404, "not-found", "API key not found")
    key = found.key
    return ApiKeyBody(
        key_id=key.id, tenant_id=key.tenant_id, region=found.region, plan=found.plan,
        revoked=key.revoked_at is not None,
    )  # fmt: skip
