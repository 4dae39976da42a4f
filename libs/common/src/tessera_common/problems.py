"""RFC 9457 problem details: one exception type, one set of handlers, stable types."""

from __future__ import annotations

from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_BASE = "https://tessera.dev/problems/"
PROBLEM_JSON = "application/problem+json"

log = structlog.get_logger(__name__)


class Problem(Exception):  # noqa: N818 - it is a problem document, raised
    """An error the caller can act on; rendered as application/problem+json."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def not_found(what: str, detail: str | None = None) -> Problem:
    return Problem(404, "not-found", f"{what} not found", detail)


class ProblemResponse(Response):
    media_type = PROBLEM_JSON

    def render(self, content: object) -> bytes:
        return orjson.dumps(content)


def problem_response(problem: Problem, instance: str | None = None) -> ProblemResponse:
    return ProblemResponse(problem.body(instance), problem.status, problem.headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "body")


def validation_problem(exc: RequestValidationError) -> Problem:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return Problem(400, "malformed-json", "Malformed JSON body", "the body is not valid JSON")
    fields = [{"field": _field_name(tuple(e["loc"])), "message": e["msg"]} for e in errors]
    names = ", ".join(sorted({f["field"] for f in fields}))
    return Problem(
        422, "validation-error", "Invalid request", f"invalid field(s): {names}", errors=fields
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error, expected or not, as problem+json."""

    async def on_problem(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc), request.url.path)

    async def on_http(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, StarletteHTTPException)
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        problem = Problem(exc.status_code, slug, str(exc.detail), headers=dict(exc.headers or {}))
        return problem_response(problem, request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> ProblemResponse:
        log.exception("unhandled_error", path=request.url.path)
        problem = Problem(500, "internal-error", "Internal error", "the error was logged")
        return problem_response(problem, request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
