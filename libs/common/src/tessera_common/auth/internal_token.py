"""The signed, short-lived token the gateway hands to upstream services.

It carries who called (the operator or one tenant) and is verified by every
upstream, which therefore never trusts a caller that bypassed the gateway.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt
from cachetools import LRUCache, TTLCache

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
    return _verified(token, secret)[0]


def _verified(token: str | None, secret: str) -> tuple[Caller, int]:
    """The token's caller and expiry (Unix seconds); InvalidInternalTokenError if it is bad."""
    if not token:
        raise InvalidInternalTokenError("no internal token")
    try:
        claims = jwt.decode(
            token, secret, algorithms=[_ALGORITHM], issuer=ISSUER, options={"require": ["exp"]}
        )
    except jwt.PyJWTError as exc:
        raise InvalidInternalTokenError(str(exc)) from exc
    tenant = claims.get("tenant_id")
    caller = Caller(
        subject=str(claims["sub"]),
        operator=claims.get("scope") == "operator",
        tenant_id=uuid.UUID(tenant) if tenant else None,
        region=claims.get("region"),
    )
    return caller, int(claims["exp"])


class TokenSigner:
    """Signs a caller's token once and hands it out until half its lifetime has passed:
    signing on every request cost the gateway about a twentieth of its CPU."""

    def __init__(self, secret: str, ttl_seconds: int, size: int = 100_000) -> None:
        self._secret, self._ttl = secret, ttl_seconds
        self._tokens: TTLCache[Caller, str] = TTLCache(size, ttl_seconds / 2)

    def __call__(self, caller: Caller) -> str:
        token = self._tokens.get(caller)
        if token is None:
            token = self._tokens[caller] = sign_internal_token(caller, self._secret, self._ttl)
        return token


class TokenVerifier:
    """Verifies a token once and remembers its caller until it expires; only tokens that
    passed verification are remembered, so a forged one is checked (and refused) each time."""

    def __init__(self, secret: str, size: int = 100_000) -> None:
        self._secret = secret
        self._known: LRUCache[str, tuple[Caller, int]] = LRUCache(size)

    def __call__(self, token: str | None) -> Caller:
        known = self._known.get(token) if token else None
        if known is not None and known[1] > time.time():
            return known[0]
        caller, expires = _verified(token, self._secret)
        self._known[token] = (caller, expires)  # type: ignore[index]
        return caller
