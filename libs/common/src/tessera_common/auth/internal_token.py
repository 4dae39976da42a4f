"""The signed, short-lived token the gateway hands to upstream services.

It carries who called (the operator or one tenant) and is verified by every
upstream, which therefore never trusts a caller that bypassed the gateway.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

ISSUER = "tessera-gateway"
HEADER = "X-Internal-Token"
_ALGORITHM = "HS256"


class InvalidInternalTokenError(Exception):
    """Missing, expired, or not signed by the gateway."""


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of a request."""

    subject: str
    operator: bool
    tenant_id: uuid.UUID | None = None
    region: str | None = None  # the tenant's region: regional services route by it

    def may_access(self, tenant_id: uuid.UUID) -> bool:
        return self.operator or self.tenant_id == tenant_id


OPERATOR = Caller(subject="operator", operator=True)


def sign_internal_token(caller: Caller, secret: str, ttl_seconds: int) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": caller.subject,
        "iat": now,
        "exp": now + ttl_seconds,
        "scope": "operator" if caller.operator else "tenant",
    }
    if caller.tenant_id:
        claims["tenant_id"] = str(caller.tenant_id)
    if caller.region:
        claims["region"] = caller.region
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def verify_internal_token(token: str | None, secret: str) -> Caller:
    if not token:
        raise InvalidInternalTokenError("no internal token")
    try:
        claims = jwt.decode(
            token, secret, algorithms=[_ALGORITHM], issuer=ISSUER, options={"require": ["exp"]}
        )
    except jwt.PyJWTError as exc:
        raise InvalidInternalTokenError(str(exc)) from exc
    tenant = claims.get("tenant_id")
    return Caller(
        subject=str(claims["sub"]),
        operator=claims.get("scope") == "operator",
        tenant_id=uuid.UUID(tenant) if tenant else None,
        region=claims.get("region"),
    )
