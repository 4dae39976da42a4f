"""Forwarding one public request to its upstream, as plain ASGI: route, authenticate,
isolate, rate-limit, meter, forward, answer.

Every public request takes this path, so it does without a framework: no router ahead of
the routing table, no middleware stack; request id, tenant, trace span and metrics are
handled here once, in that order.
"""

from __future__ import annotations

import math
import time

import orjson
import structlog
from opentelemetry import propagate, trace
from starlette.types import Receive, Scope, Send

from gateway.auth import Authenticator, Identity
from gateway.metering import CallMeter
from gateway.ratelimit import Decision, RateLimiter
from gateway.responses import KeptAnswers, KeptResponse
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
from tessera_common.cache.l1 import L1Cache
from tessera_common.consistency_tokens import HEADER as CONSISTENCY_TOKEN_HEADER
from tessera_common.http.request_context import valid_request_id
from tessera_common.observability.metrics import observe_request, record_cache_lookup
from tessera_common.observability.tracing import client_spans_if_recorded, tracer
from tessera_common.problems import PROBLEM_JSON, Problem

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Hop-by-hop headers (RFC 9110 §7.6.1), those the gateway sets itself, and the trace
# context, which continues from the gateway's own span.
_DROP_REQUEST = frozenset(
    {
        "host", "connection", "keep-alive", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "authorization", "content-length",
        "traceparent", "tracestate", "x-request-id", INTERNAL_TOKEN_HEADER.lower(),
    }
)  # fmt: skip
_DROP_RESPONSE = frozenset(
    {b"connection", b"keep-alive", b"transfer-encoding", b"content-length", b"server", b"date"}
)
SERVICE = "gateway"
log = structlog.get_logger()


class _ClientGone(Exception):  # noqa: N818 - the client left; nothing to answer
    pass


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


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
        kept: L1Cache[KeptAnswers],
    ) -> None:
        self._routes = routes
        self._pools = pools
        self._auth = authenticator
        self._sign = sign_token
        self._max_body = max_body_bytes
        self._limiter = limiter
        self._meter = meter
        self._kept = kept

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = valid_request_id(headers.get("x-request-id"))
        method, path = scope["method"], scope["path"]
        route = "unmatched"
        with (
            structlog.contextvars.bound_contextvars(request_id=request_id),
            tracer().start_as_current_span(
                method, context=propagate.extract(headers), kind=trace.SpanKind.SERVER
            ) as span,
            client_spans_if_recorded(span),
        ):
            try:
                match = self._resolve(method, path)
                route = match.route.template
                status, out, body = await self._forward(scope, receive, headers, match, request_id)
            except _ClientGone:
                return
            except Problem as problem:
                status, out, body = _problem(problem, path)
            except UpstreamUnavailableError as exc:
                # The gateway's own failure: its line, with the request id, is how it is found.
                log.warning("upstream_unavailable", pool=exc.pool, reason=exc.reason,
                            method=method, route=route)  # fmt: skip
                status, out, body = _problem(_unavailable(exc), path)
            except Exception:
                log.exception("unhandled_error", path=path)
                internal = Problem(500, "internal-error", "Internal error", "the error was logged")
                status, out, body = _problem(internal, path)
            # An upstream's answer carries the request id it received (the same one, which
            # is how a client can tell it got there); the gateway's own answers get it here.
            if not any(k.lower() == b"x-request-id" for k, _ in out):
                out.append((b"x-request-id", request_id.encode()))
            out.append((b"content-length", str(len(body)).encode()))
            _log_failure(status, method, route)
            await send({"type": "http.response.start", "status": status, "headers": out})
            await send({"type": "http.response.body", "body": body})
            if span.is_recording():
                span.update_name(f"{method} {route}")
                span.set_attributes({
                    "http.request.method": method, "http.route": route, "url.path": path,
                    "http.response.status_code": status,
                })  # fmt: skip
                if status >= 500:
                    span.set_status(trace.StatusCode.ERROR)
        observe_request(SERVICE, method, route, status, time.perf_counter() - started)

    async def _forward(
        self, scope: Scope, receive: Receive, headers: dict[str, str], match: Match, request_id: str
    ) -> Answer:
        if match.tenant_id is not None:  # bound first: a refusal is logged with it
            structlog.contextvars.bind_contextvars(tenant_id=str(match.tenant_id))
        identity = await self._authorize(match, headers.get("authorization"))
        caller = identity.caller if identity else None
        tenant = match.tenant_id or (caller.tenant_id if caller else None)
        if tenant is not None and match.tenant_id is None:
            structlog.contextvars.bind_contextvars(tenant_id=str(tenant))
        decision = await self._admit(identity, metered=match.route.metered)
        limits = (
            [(k.encode(), v.encode()) for k, v in decision.headers().items()] if decision else []
        )
        kept_key = _kept_key(match, headers)
        query, hour = scope.get("query_string", b""), int(time.time() // 3600)
        # Taken before the kept answers are read (see L1Cache): what is put back with the
        # upstream's answer is refused if any of them was invalidated since.
        ticket = self._kept.ticket()
        answers = self._kept.peek(kept_key) if kept_key is not None else None
        kept = answers.get(query, hour) if answers is not None else None
        if kept_key is not None:
            record_cache_lookup(SERVICE, "responses", hit=kept is not None)
        if kept is not None:
            status, out, content = kept.answer(headers.get("if-none-match"))
            return status, out + limits, content
        body = await _read_body(receive, headers, match.route.max_body_bytes or self._max_body)
        upstream_headers = {k: v for k, v in headers.items() if k not in _DROP_REQUEST}
        upstream_headers["x-request-id"] = request_id
        propagate.inject(upstream_headers)  # the upstream continues from this span
        if caller is not None:
            upstream_headers[INTERNAL_TOKEN_HEADER] = self._sign(caller)
        method = scope["method"]
        pool = self._pools[
            self._routes.pool_for(match.route, headers.get(REGION_HEADER), self._pools)
        ]
        upstream = await pool.send(
            method,
            _as_sent(scope),
            query=query,
            headers=upstream_headers,
            body=body,
            # A POST with an Idempotency-Key is safe to resend: the service replays it.
            idempotent=method in IDEMPOTENT_METHODS or "idempotency-key" in headers,
            balance=match.route.balance,
            key=str(tenant) if tenant else None,
        )
        out = [(k, v) for k, v in upstream.headers if k.lower() not in _DROP_RESPONSE]
        if caller is not None and upstream.header("cache-control") is None:
            # Whatever a key can read is the key holder's: no shared cache may keep it.
            out.append((b"cache-control", b"private, no-store"))
        out += limits
        if kept_key is not None and (response := KeptResponse.of(upstream)) is not None:
            answers = answers or KeptAnswers(hour)
            self._kept.put(kept_key, answers.with_answer(query, hour, response), ticket)
        return upstream.status, out, upstream.content

    async def _admit(self, identity: Identity | None, *, metered: bool) -> Decision | None:
        """A tenant's call: within its plan's rate limit (else a 429), then metered."""
        if identity is None or identity.plan is None or identity.caller.tenant_id is None:
            return None
        caller, tenant_id = identity.caller, identity.caller.tenant_id
        # Counted in Redis by the limiter's own script, before the request goes upstream.
        meter = None
        if metered and caller.region:
            meter = self._meter.call(tenant_id, caller.region, time.time())
        decision = await self._limiter.check(str(tenant_id), identity.plan, meter)
        if not decision.allowed:
            raise Problem(
                429,
                "rate-limited",
                "Too many requests",
                f"the {identity.plan} plan allows {decision.limit.rate:g} requests/s "
                f"with bursts of {decision.limit.burst}",
                headers=decision.headers(),
            )
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


def _kept_key(match: Match, headers: dict[str, str]) -> str | None:
    """The key of the answer the gateway may keep for this request, if any."""
    if match.route.kept_as is None or match.tenant_id is None:
        return None
    if CONSISTENCY_TOKEN_HEADER.lower() in headers:
        return None  # the query service must wait for the write the token names
    return match.route.kept_as(match.tenant_id)


async def _read_body(receive: Receive, headers: dict[str, str], limit: int) -> bytes:
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _log_failure(status: int, method: str, route: str) -> None:
    """A line for each refused or failed request (there is no access log: the metrics count
    every request), so an operator finds it by its X-Request-ID."""
    if status >= 500 and status != 503:  # a 503 is logged with its reason where it is made
        log.error("request_failed", status=status, method=method, route=route)
    elif status in (401, 403, 429):
        log.warning("request_refused", status=status, method=method, route=route)


def _too_large(limit: int) -> Problem:
    return Problem(413, "payload-too-large", "Payload too large", f"the limit is {limit} bytes")


def _unavailable(exc: UpstreamUnavailableError) -> Problem:
    return Problem(
        503,
        "upstream-unavailable",
        "Service unavailable",
        f"the {exc.pool} service did not answer ({exc.reason}); retry later",
        headers={"Retry-After": str(max(1, math.ceil(exc.retry_after)))},
    )


def _problem(problem: Problem, path: str) -> Answer:
    headers = [(b"content-type", PROBLEM_JSON.encode())]
    headers += [(k.encode(), v.encode()) for k, v in problem.headers.items()]
    return problem.status, headers, orjson.dumps(problem.body(path))


def _as_sent(scope: Scope) -> str:
    """The path still percent-encoded as the client sent it: decoded, a control character
    would make no valid URL, and the upstream must judge its own parameters."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    return raw.decode("latin-1")
