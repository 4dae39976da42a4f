"""The hottest read, a tenant's profile, answered ahead of FastAPI's router.

Most reads are a profile that L1 already holds; FastAPI's routing and dependency
resolution cost more than the read itself. This middleware sits inside the app's own
(request id, span, metrics) and answers `GET /v1/tenants/{tenant_id}` as the route in
`query.api` would: the same token check, tenant scope, read and conditional answer.
Reads with a consistency token, or anything it does not recognise, go on to the route.
"""

from __future__ import annotations

import re
import uuid

import orjson
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from query.conditional import conditional_answer, json_body
from query.readers import ReadModels
from tessera_common.auth.internal_token import InvalidInternalTokenError, TokenVerifier
from tessera_common.problems import PROBLEM_JSON, Problem, not_found

_PROFILE = re.compile(r"^/v1/tenants/([0-9a-fA-F-]{36})$")
PROFILE_TEMPLATE = "/v1/tenants/{tenant_id}"


class ProfileFastPath:
    def __init__(self, app: ASGIApp, route: Route, state: object) -> None:
        self.app = app
        self.route = route  # the documented route, named in the request's metrics
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _PROFILE.match(scope["path"]) if scope["type"] == "http" else None
        headers = dict(scope["headers"]) if found and scope["method"] == "GET" else None
        if headers is None or b"x-consistency-token" in headers:
            await self.app(scope, receive, send)
            return
        try:
            tenant_id = uuid.UUID(found.group(1))  # type: ignore[union-attr]
        except ValueError:
            await self.app(scope, receive, send)  # the route's validation answers
            return
        scope["route"] = self.route
        try:
            status, answer, body = await self._profile(tenant_id, headers)
        except Problem as problem:
            status, body = problem.status, orjson.dumps(problem.body(scope["path"]))
            answer = {"content-type": PROBLEM_JSON, **problem.headers}
        else:
            if status == 200:
                answer["content-type"] = "application/json"
        await send({
            "type": "http.response.start", "status": status,
            "headers": [(k.lower().encode(), v.encode()) for k, v in answer.items()]
            + [(b"content-length", str(len(body)).encode())],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    async def _profile(
        self, tenant_id: uuid.UUID, headers: dict[bytes, bytes]
    ) -> tuple[int, dict[str, str], bytes]:
        tokens: TokenVerifier = self.state.internal_tokens  # type: ignore[attr-defined]
        read_models: ReadModels = self.state.read_models  # type: ignore[attr-defined]
        token = headers.get(b"x-internal-token")
        try:
            caller = tokens(token.decode("latin-1") if token else None)
        except InvalidInternalTokenError as exc:
            raise Problem(
                401, "unauthenticated", "Missing or invalid internal token", str(exc)
            ) from exc
        if not caller.may_access(tenant_id):
            raise not_found("Tenant")
        document = await read_models.tenant(tenant_id)
        if document is None:
            raise not_found("Tenant")
        if_none_match = headers.get(b"if-none-match")
        return conditional_answer(
            json_body(document), if_none_match.decode("latin-1") if if_none_match else None
        )
