"""API keys: issue (shown once), revoke; and the authoritative check for the gateway."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Path, Response

from accounts.app.issue_api_key import IssueApiKey, IssuedApiKey, issue_api_key
from accounts.app.revoke_api_key import RevokeApiKey, revoke_api_key
from accounts.app.verify_api_key import VerifyApiKey, verify_api_key
from accounts.domain.api_key import ApiKey
from accounts.entrypoints import links
from accounts.entrypoints.schemas import ApiKeyBody, IssuedApiKeyBody
from tessera_common.events.envelope import EventEnvelope
from tessera_common.http.commands import CommandDep
from tessera_common.http.idempotency import rendered
from tessera_common.http.openapi import IDEMPOTENCY_KEY, problems
from tessera_common.http.service_app import OperatorDep, TenantIdDep
from tessera_common.idempotency import StoredResponse
from tessera_common.problems import Problem

router = APIRouter(tags=["api-keys"])
DIGEST = Path(pattern=r"^[0-9a-f]{64}$")


def _issued(issued: IssuedApiKey, events: list[EventEnvelope]) -> StoredResponse:
    key = issued.key
    body = IssuedApiKeyBody(
        key_id=key.id, tenant_id=key.tenant_id, api_key=issued.plaintext, prefix=key.prefix,
        issued_at=key.issued_at,
    )  # fmt: skip
    location = f"/v1/tenants/{key.tenant_id}/api-keys/{key.id}"
    return rendered(201, body, events, location=location)


def _revoked(_: ApiKey, events: list[EventEnvelope]) -> StoredResponse:
    return rendered(204, None, events)


@router.post(
    "/v1/tenants/{tenant_id}/api-keys",
    status_code=201,
    response_model=IssuedApiKeyBody,
    responses={**links.API_KEY_CREATED, **problems(404, 409, *IDEMPOTENCY_KEY, 503)},
)
async def post_api_key(tenant_id: TenantIdDep, *, command: CommandDep) -> Response:
    """Issue a new key; its plaintext is in this response only."""
    cmd = IssueApiKey(tenant_id)
    return await command.run(issue_api_key, cmd, _issued, guard=command.guard(None, tenant_id))


@router.delete(
    "/v1/tenants/{tenant_id}/api-keys/{key_id}",
    status_code=204,
    responses=problems(404, 409, 503),
)
async def delete_api_key(
    tenant_id: TenantIdDep, key_id: uuid.UUID, *, command: CommandDep
) -> Response:
    """Revoke a key (idempotent); the gateway stops accepting it within its cache TTL."""
    return await command.run(revoke_api_key, RevokeApiKey(tenant_id, key_id), _revoked)


@router.get(
    "/internal/tenants/{tenant_id}/api-keys/{digest}",
    response_model=ApiKeyBody,
    responses=problems(403, 404, 503),
)
async def get_api_key(
    tenant_id: uuid.UUID, command: CommandDep, _: OperatorDep, digest: str = DIGEST
) -> ApiKeyBody:
    """The authoritative state of a key, by its SHA-256 digest (for the gateway)."""
    found = await command.outcome(verify_api_key, VerifyApiKey(tenant_id, digest))
    if found is None:
        raise Problem(404, "not-found", "API key not found")
    key = found.key
    return ApiKeyBody(
        key_id=key.id, tenant_id=key.tenant_id, region=found.region, plan=found.plan,
        revoked=key.revoked_at is not None,
    )  # fmt: skip
