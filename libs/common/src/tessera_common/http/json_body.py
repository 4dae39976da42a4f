"""Request bodies read by pydantic's JSON parser straight from their bytes.

FastAPI reads a JSON body with the standard library's parser, then validates the Python
objects it made. For the usage API's batches of up to 10,000 records that is most of the
service's work per request. A route that takes large bodies declares its body as a
dependency instead:

    body: Annotated[UsageBatchIn, Depends(JsonBody(UsageBatchIn))]

Parsing and validation are then one pass in pydantic-core. Errors come out as FastAPI's
do (a 422 problem naming each invalid field, a 400 for malformed JSON), and the OpenAPI
document shows the body as if FastAPI had read it (`openapi.with_json_bodies`).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


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
