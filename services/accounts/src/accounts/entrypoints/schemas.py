"""HTTP request and response bodies of the accounts API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus, UserRole, UserStatus


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CreateTenantRequest(_Request):
    name: str = Field(min_length=1, max_length=200)
    region: Region
    plan: Plan = Plan.FREE
    currency: Currency = Currency.USD


class TenantBody(BaseModel):
    tenant_id: uuid.UUID
    name: str
    region: Region
    plan: Plan
    currency: Currency
    status: TenantStatus
    shard: str
    version: int
    created_at: datetime


class CreatedTenantBody(TenantBody):
    api_key: str = Field(description="Shown once; store it now.")
    api_key_id: uuid.UUID


class AddUserRequest(_Request):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    role: UserRole = UserRole.MEMBER


class UserBody(BaseModel):
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    name: str
    role: UserRole
    status: UserStatus
    version: int
    created_at: datetime


class ApiKeyBody(BaseModel):
    key_id: uuid.UUID
    tenant_id: uuid.UUID
    region: Region
    plan: Plan  # the tenant's, for the gateway's rate limit
    revoked: bool


class UpdateTenantRequest(_Request):
    """Region and currency are fixed at creation (they decide shard and billing)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    plan: Plan | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if self.name is None and self.plan is None:
            raise ValueError("send at least one of name, plan")
        return self


class SuspendRequest(_Request):
    reason: str = Field(default="operator", min_length=1, max_length=200)


class UpdateUserRequest(_Request):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: UserRole | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if self.name is None and self.role is None:
            raise ValueError("send at least one of name, role")
        return self


class IssuedApiKeyBody(BaseModel):
    key_id: uuid.UUID
    tenant_id: uuid.UUID
    api_key: str = Field(description="Shown once; store it now.")
    prefix: str
    issued_at: datetime


class MoveTenantRequest(_Request):
    target: str = Field(
        min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9-]*$",
        description="the shard to move to: one of the tenant's region's, or one of its own",
    )  # fmt: skip


class TenantMoveBody(BaseModel):
    """A move and how far it has come (docs/sharding.md has its steps)."""

    move_id: uuid.UUID
    tenant_id: uuid.UUID
    source: str
    target: str
    state: str = Field(description="planned, copied, fenced, caught-up, verified, flipped, "
                       "done, or rolled-back")  # fmt: skip
    rows_copied: int
    fence_seconds: float | None = Field(description="how long the tenant's writes were fenced")
    report: dict[str, dict[str, object]] | None = Field(
        description="per table: rows and checksum on each side, once verified"
    )
    error: str | None = Field(description="why the last step failed; resuming retries it")
    created_at: datetime
    updated_at: datetime
