"""Request bodies read by pydantic's JSON parser straight from their bytes.

FastAPI reads a JSON body with the standard library's parser, then validates the Python
objects it made. For the usage API's batches of up to 10,000 records that is most of the
service's work per request. A route that takes large bodies declares its body as a
dependency instead:

    body: Annotated[UsageBatchIn, Depends(JsonBody(UsageBatchIn))]

Parsing and validation are then one pass in pydantic-core. Errors come out as FastAPI's
do (a 422 problem naming each invalid field, a 400 for malformed JSON), and the OpenAPI
document shows the body as if FastAPI had read it (`with_json_bodies`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ValidationError
from starlette.routing import BaseRoute

M = TypeVar("M", bound=BaseModel)
_SCHEMAS = "#/components/schemas/"


class JsonBody(Generic[M]):
    """A dependency giving the request's JSON body as a validated `model`."""

    def __init__(self, model: type[M]) -> None:
        self.model = model

    async def __call__(self, request: Request) -> M:
        raw = await request.body()
        try:
            return self.model.model_validate_json(raw)
        except ValidationError as exc:
            errors = [
                {**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)
            ]
            raise RequestValidationError(errors, body=raw) from None

    def request_body(self) -> dict[str, Any]:
        """The OpenAPI requestBody FastAPI would write for a body of this model."""
        schema = {"$ref": f"{_SCHEMAS}{self.model.__name__}"}
        return {"content": {"application/json": {"schema": schema}}, "required": True}

    def components(self) -> dict[str, Any]:
        """The model's schema and the ones it refers to, as OpenAPI components."""
        schema = self.model.model_json_schema(ref_template=_SCHEMAS + "{model}")
        nested = schema.pop("$defs", {})
        return {self.model.__name__: schema, **nested}


def json_bodies(route: APIRoute) -> list[JsonBody[Any]]:
    return [d.call for d in route.dependant.dependencies if isinstance(d.call, JsonBody)]


def with_json_bodies(document: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The document with each `JsonBody` route's request body and its schemas."""
    document = copy.deepcopy(document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for context in iter_route_contexts(list(routes)):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for body in json_bodies(route):
            for method in route.methods or ():
                operation = document["paths"][route.path_format][method.lower()]
                operation["requestBody"] = body.request_body()
            schemas.update(body.components())
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return document
