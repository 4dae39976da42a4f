"""Forwarding one public request to its upstream: checks, rate limit, metering, headers."""

from __future__ import annotations

import math
import time

import structlog
from fastapi import Request, Response

from gateway.auth import Authenticator, Identity
from gateway.metering import CallMeter
from gateway.ratelimit import Decision, RateLimiter
from gateway.routes import (
    REGION_HEADER,
    Access,
    Match,
    MethodNotAllowedError,
    NoRouteError,
    RoutingTable,
)
from gateway.upstreams import SignToken, UpstreamPool, UpstreamUnavailableError
from tessera_common.auth.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from tessera_common.problems import Problem

log = structlog.get_logger(__name__)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Hop-by-hop headers (RFC 9110 §7.6.1) and those the gateway sets itself.
_DROP_REQUEST = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "authorization",
        "content-length",
        INTERNAL_TOKEN_HEADER.lower(),
    }
)
_DROP_RESPONSE = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "server",
        "date",
    }
)


class Proxy:
    def __init__(
        self,
        routes: RoutingTable,
        pools: dict[str, UpstreamPool],
        *,
        authenticator: Authenticator,
        sign_token: SignToken,
        max_body_bytes: int,
        limiter: RateLimiter,
        meter: CallMeter,
    ) -> None:
        self._routes = routes
        self._pools = pools
        self._auth = authenticator
        self._sign = sign_token
        self._max_body = max_body_bytes
        self._limiter = limiter
        self._meter = meter

    async def handle(self, request: Request) -> Response:
        match = self._resolve(request.method, request.url.path)
        identity = await self._authorize(match, request.headers.get("authorization"))
        decision = await self._admit(identity, metered=match.route.metered)
        body = await self._read_body(request, match.route.max_body_bytes or self._max_body)
        # traceparent and the rest of the end-to-end headers pass through as they came.
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST}
        headers["x-request-id"] = request.scope["state"]["request_id"]
        caller = identity.caller if identity else None
        if caller is not None:
            headers[INTERNAL_TOKEN_HEADER] = self._sign(caller)
        pool = self._pools[
            self._routes.pool_for(match.route, request.headers.get(REGION_HEADER), self._pools)
        ]
        tenant = match.tenant_id or (caller.tenant_id if caller else None)
        try:
            upstream = await pool.send(
                request.method,
                _as_sent(request),
                query=request.scope.get("query_string", b""),
                headers=headers,
                body=body,
                # A POST with an Idempotency-Key is safe to resend: the service replays it.
                idempotent=request.method in IDEMPOTENT_METHODS
                or "idempotency-key" in request.headers,
                balance=match.route.balance,
                key=str(tenant) if tenant else None,
            )
        except UpstreamUnavailableError as exc:
            # The gateway's own failure: its line, with the request id, is how it is found.
            log.warning("upstream_unavailable", pool=exc.pool, reason=exc.reason,
                        method=request.method, route=match.route.template)  # fmt: skip
            raise Problem(
                503,
                "upstream-unavailable",
                "Service unavailable",
                f"the {exc.pool} service did not answer ({exc.reason}); retry later",
                headers={"Retry-After": str(max(1, math.ceil(exc.retry_after)))},
            ) from exc
        response_headers = {
            k: v for k, v in upstream.headers.items() if k.lower() not in _DROP_RESPONSE
        }
        if caller is not None and "cache-control" not in upstream.headers:
            # Whatever a key can read is the key holder's: no shared cache may keep it.
            response_headers["Cache-Control"] = "private, no-store"
        if decision is not None:
            response_headers.update(decision.headers())
        return Response(upstream.content, upstream.status_code, response_headers)

    async def _admit(self, identity: Identity | None, *, metered: bool) -> Decision | None:
        """A tenant's call: within its plan's rate limit (else a 429), then metered."""
        if identity is None or identity.plan is None or identity.caller.tenant_id is None:
            return None
        caller, tenant_id = identity.caller, identity.caller.tenant_id
        decision = await self._limiter.check(str(tenant_id), identity.plan)
        if not decision.allowed:
            raise Problem(
                429,
                "rate-limited",
                "Too many requests",
                f"the {identity.plan} plan allows {decision.limit.rate:g} requests/s "
                f"with bursts of {decision.limit.burst}",
                headers=decision.headers(),
            )
        if metered and caller.region:
            await self._meter.count(tenant_id, caller.region, time.time())
        return decision

    def _resolve(self, method: str, path: str) -> Match:
        try:
            return self._routes.resolve(method, path)
        except MethodNotAllowedError as exc:
            raise Problem(
                405,
                "method-not-allowed",
                "Method not allowed",
                f"{method} is not allowed here",
                headers={"Allow": ", ".join(exc.allowed)},
            ) from exc
        except NoRouteError as exc:
            raise Problem(404, "not-found", "Not found", f"no route for {path}") from exc

    async def _authorize(self, match: Match, authorization: str | None) -> Identity | None:
        if match.route.access is Access.PUBLIC:
            return None
        identity = await self._auth.authenticate(authorization)
        if identity is None:
            raise Problem(
                401,
                "unauthenticated",
                "Missing or invalid API key",
                "send Authorization: Bearer <key>",
                headers={"WWW-Authenticate": 'Bearer realm="tessera"'},
            )
        caller = identity.caller
        if match.route.access is Access.OPERATOR and not caller.operator:
            raise Problem(403, "forbidden", "Operator only", "this route needs the operator key")
        if match.route.access is Access.TENANT_KEY and caller.tenant_id is None:
            raise Problem(403, "forbidden", "Tenant key only", "send the tenant's own key")
        if match.route.access is Access.TENANT:
            tenant_id = match.tenant_id
            # Another tenant's resources read as absent: no hint that they exist.
            if tenant_id is None or not caller.may_access(tenant_id):
                raise Problem(404, "not-found", "Not found")
        return identity

    @staticmethod
    async def _read_body(request: Request, limit: int) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limit:
                raise _too_large(limit)
        return bytes(body)


def _too_large(limit: int) -> Problem:
    return Problem(413, "payload-too-large", "Payload too large", f"the limit is {limit} bytes")


def _as_sent(request: Request) -> str:
    """The path still percent-encoded as the client sent it: decoded, a control character
    would make no valid URL, and the upstream must judge its own parameters."""
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    return raw.decode("latin-1")
