"""Forwarding one public request to its upstream: checks, headers, body limit."""

from __future__ import annotations

from fastapi import Request, Response

from gateway.auth import Authenticator
from gateway.routes import Access, Match, MethodNotAllowedError, NoRouteError, RoutingTable
from gateway.upstreams import SignToken, UpstreamPool, UpstreamUnavailableError
from tessera_common.auth.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from tessera_common.auth.internal_token import Caller
from tessera_common.problems import Problem

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
        authenticator: Authenticator,
        sign_token: SignToken,
        max_body_bytes: int,
    ) -> None:
        self._routes = routes
        self._pools = pools
        self._auth = authenticator
        self._sign = sign_token
        self._max_body = max_body_bytes

    async def handle(self, request: Request) -> Response:
        match = self._resolve(request.method, request.url.path)
        caller = await self._authorize(match, request.headers.get("authorization"))
        body = await self._read_body(request, match.route.max_body_bytes or self._max_body)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST}
        headers["x-request-id"] = request.scope["state"]["request_id"]
        if caller is not None:
            headers[INTERNAL_TOKEN_HEADER] = self._sign(caller)
        pool = self._pools[match.route.pool]
        try:
            upstream = await pool.send(
                request.method,
                request.url.path,
                query=request.scope.get("query_string", b""),
                headers=headers,
                body=body,
                idempotent=request.method in IDEMPOTENT_METHODS,
            )
        except UpstreamUnavailableError as exc:
            raise Problem(
                503,
                "upstream-unavailable",
                "Service unavailable",
                f"the {exc.pool} service did not answer ({exc.reason}); retry later",
                headers={"Retry-After": "1"},
            ) from exc
        response_headers = {
            k: v for k, v in upstream.headers.items() if k.lower() not in _DROP_RESPONSE
        }
        return Response(upstream.content, upstream.status_code, response_headers)

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

    async def _authorize(self, match: Match, authorization: str | None) -> Caller | None:
        if match.route.access is Access.PUBLIC:
            return None
        caller = await self._auth.authenticate(authorization)
        if caller is None:
            raise Problem(
                401,
                "unauthenticated",
                "Missing or invalid API key",
                "send Authorization: Bearer <key>",
                headers={"WWW-Authenticate": 'Bearer realm="tessera"'},
            )
        if match.route.access is Access.OPERATOR and not caller.operator:
            raise Problem(403, "forbidden", "Operator only", "this route needs the operator key")
        if match.route.access is Access.TENANT_KEY and caller.tenant_id is None:
            raise Problem(403, "forbidden", "Tenant key only", "send the tenant's own key")
        if match.route.access is Access.TENANT:
            tenant_id = match.tenant_id
            # Another tenant's resources read as absent: no hint that they exist.
            if tenant_id is None or not caller.may_access(tenant_id):
                raise Problem(404, "not-found", "Not found")
        return caller

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
