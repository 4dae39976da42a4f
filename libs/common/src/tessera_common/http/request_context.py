"""Request context bound to logs: X-Request-ID (accepted, bounded, else generated), tenant."""

from __future__ import annotations

import re
import uuid

import structlog
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tessera_common.auth.internal_token import InvalidInternalTokenError, verify_internal_token

REQUEST_ID_HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def incoming_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            candidate: str = value.decode("latin-1")
            if _VALID.match(candidate):
                return candidate
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_wrapper)


_TENANT_IN_PATH = re.compile(r"/tenants/([0-9a-fA-F-]{36})(?:/|$)")


def tenant_of_request(scope: Scope, internal_token_secret: str) -> str | None:
    """The tenant a request acts for: its caller's, else the one its path names."""
    token = next((v for k, v in scope.get("headers", []) if k == b"x-internal-token"), None)
    if token is not None:
        try:
            caller = verify_internal_token(token.decode("latin-1"), internal_token_secret)
        except InvalidInternalTokenError:
            caller = None
        if caller is not None and caller.tenant_id is not None:
            return str(caller.tenant_id)
    found = _TENANT_IN_PATH.search(scope.get("path", ""))
    return found.group(1).lower() if found else None


class TenantContextMiddleware:
    """Binds the request's tenant id to its log lines and its server span."""

    def __init__(self, app: ASGIApp, internal_token_secret: str) -> None:
        self.app = app
        self._secret = internal_token_secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tenant = tenant_of_request(scope, self._secret) if scope["type"] == "http" else None
        if tenant is None:
            await self.app(scope, receive, send)
            return
        trace.get_current_span().set_attribute("tessera.tenant_id", tenant)
        with structlog.contextvars.bound_contextvars(tenant_id=tenant):
            await self.app(scope, receive, send)
