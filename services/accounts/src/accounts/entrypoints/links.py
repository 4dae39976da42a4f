"""OpenAPI links: the id a create returns addresses the operations on what it created."""

from __future__ import annotations

from typing import Any

TENANT_ID = "$response.body#/tenant_id"
ETAG = "$response.header.ETag"
Responses = dict[int | str, dict[str, Any]]


def _link(operation_id: str, **parameters: str) -> dict[str, Any]:
    return {"operationId": operation_id, "parameters": parameters}


def _created(**links: dict[str, Any]) -> Responses:
    return {201: {"links": links}}


TENANT_CREATED = _created(
    UpdateTenant=_link(
        "patch_tenant_v1_tenants__tenant_id__patch",
        tenant_id=TENANT_ID,
        **{"header.If-Match": ETAG},
    ),
    SuspendTenant=_link("suspend_v1_tenants__tenant_id__suspend_post", tenant_id=TENANT_ID),
    EraseTenant=_link("erase_v1_tenants__tenant_id__delete", tenant_id=TENANT_ID),
    AddUser=_link("post_user_v1_tenants__tenant_id__users_post", tenant_id=TENANT_ID),
    IssueApiKey=_link("post_api_key_v1_tenants__tenant_id__api_keys_post", tenant_id=TENANT_ID),
)
USER_CREATED = _created(
    UpdateUser=_link(
        "patch_user_v1_tenants__tenant_id__users__user_id__patch",
        tenant_id=TENANT_ID,
        user_id="$response.body#/user_id",
        **{"header.If-Match": ETAG},
    ),
    RemoveUser=_link(
        "delete_user_v1_tenants__tenant_id__users__user_id__delete",
        tenant_id=TENANT_ID,
        user_id="$response.body#/user_id",
    ),
)
API_KEY_CREATED = _created(
    RevokeApiKey=_link(
        "delete_api_key_v1_tenants__tenant_id__api_keys__key_id__delete",
        tenant_id=TENANT_ID,
        key_id="$response.body#/key_id",
    ),
)
