"""OpenAPI that tells the truth about errors: each operation lists every status it answers,
and every error is an `application/problem+json` document of one `Problem` schema.

Routes declare their own outcomes with `responses=problems(404, 409, ...)`; what every
operation of a kind shares is added here: 500 to all, 401 where the internal token is
required, 400 (malformed JSON) and 422 (validation) where a body or parameters are read.
FastAPI's `HTTPValidationError` (application/json) is replaced: no error is shaped so.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import BaseRoute

from tessera_common.http.json_body import JsonBody
from tessera_common.problems import PROBLEM_JSON

Responses = dict[int | str, dict[str, Any]]
_SCHEMAS = "#/components/schemas/"
PROBLEM_REF = {"$ref": f"{_SCHEMAS}Problem"}
INTERNAL_TOKEN_SCHEME = "internalToken"

DESCRIPTIONS = {
    304: "Not modified: the representation still has the ETag sent in If-None-Match",
    400: "Bad request: a malformed JSON body, header, cursor or token",
    401: "Missing or invalid credentials",
    403: "The credentials may not do this",
    404: "Not found (another tenant's resources read as absent)",
    409: "Conflict with the current state (a concurrent change, a duplicate, a state rule)",
    412: "Precondition failed: If-Match names an older version; ETag has the current one",
    413: "Payload too large",
    422: "Invalid request: each invalid field named in `errors`",
    428: "Precondition required: send the version read in If-Match",
    429: "Too many requests for the tenant's plan; see Retry-After and RateLimit",
    500: "Internal error (logged)",
    503: "Unavailable for now (a shard, an upstream, or the read models catching up); "
    "see Retry-After",
}
# The statuses a conditional update's If-Match can answer.
IF_MATCH = (400, 412, 428)
# What an Idempotency-Key adds: a malformed key, the same key with another body, a record
# that cannot be read back.
IDEMPOTENCY_KEY = (400, 409, 422)


class ProblemField(BaseModel):
    field: str = Field(description="the field, header or parameter, dotted for nested ones")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document; some problems add members of their own."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="a stable URI naming the kind of problem")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="the path that was requested")
    errors: list[ProblemField] | None = Field(default=None, description="one per invalid field")


def problems(*statuses: int) -> Responses:
    """`responses=` entries for an operation's own error (and 304) statuses."""
    return {status: {"description": DESCRIPTIONS[status]} for status in statuses}


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    """One OpenAPI response object of a problem status."""
    return {
        "description": description or DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }


def component_schemas(model: type[BaseModel]) -> dict[str, Any]:
    """A model's schema and the ones it refers to, as OpenAPI components."""
    schema = model.model_json_schema(ref_template=_SCHEMAS + "{model}")
    nested = schema.pop("$defs", {})
    return {model.__name__: schema, **nested}


def problem_schemas() -> dict[str, Any]:
    """The `Problem` schema and the ones it refers to, as OpenAPI components."""
    return component_schemas(Problem)


def with_json_bodies(document: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The document with each `JsonBody` route's request body, as FastAPI would have written
    it, and its schemas."""
    document = copy.deepcopy(document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for context in iter_route_contexts(list(routes)):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for body in (d.call for d in route.dependant.dependencies):
            if not isinstance(body, JsonBody):
                continue
            schema = {"$ref": f"{_SCHEMAS}{body.model.__name__}"}
            for method in route.methods or ():
                document["paths"][route.path_format][method.lower()]["requestBody"] = {
                    "content": {"application/json": {"schema": schema}},
                    "required": True,
                }
            schemas.update(component_schemas(body.model))
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return document


def with_problems(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every operation's shared statuses and problem+json errors."""
    document = copy.deepcopy(document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(problem_schemas())
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            _complete(operation)
    return document


def _complete(operation: dict[str, Any]) -> None:
    shared = [500]
    if any(INTERNAL_TOKEN_SCHEME in scheme for scheme in operation.get("security", [])):
        shared.append(401)
    if "requestBody" in operation:
        shared += [400, 422]
    elif operation.get("parameters"):
        shared.append(422)
    add_problems(operation, shared)


def add_problems(operation: dict[str, Any], statuses: Iterable[int]) -> None:
    """Add these statuses to an operation, and give each of its errors the problem schema."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in statuses:
        responses.setdefault(str(status), {})
    for key, response in responses.items():
        status = int(key)
        if status >= 400:
            described = response.get("description")
            if described in (None, "Validation Error"):  # FastAPI's own 422 says only that
                described = DESCRIPTIONS[status]
            response.clear()
            response.update(problem_response(status, described))
    operation["responses"] = dict(sorted(responses.items()))


def install_problem_openapi(app: FastAPI) -> None:
    """Serve (and cache) the app's OpenAPI with problem statuses completed."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    completed: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not completed:
            completed.update(with_problems(with_json_bodies(generate(), app.routes)))
        return completed

    app.openapi = openapi  # type: ignore[method-assign]
