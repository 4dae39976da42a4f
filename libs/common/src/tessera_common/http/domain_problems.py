"""Problems for the domain failures every service shares; each adds its own cases."""

from __future__ import annotations

from fastapi import FastAPI, Request

from tessera_common.domain_errors import (
    ConcurrentUpdateError,
    DomainError,
    InvalidFieldError,
    StaleVersionError,
)
from tessera_common.problems import Problem, ProblemResponse, problem_response


def shared_problem(exc: DomainError) -> Problem | None:
    match exc:
        case InvalidFieldError():
            return Problem(
                422, "validation-error", "Invalid request", f"invalid field(s): {exc.field}",
                errors=[{"field": exc.field, "message": exc.message}],
            )  # fmt: skip
        case StaleVersionError():
            return Problem(
                412, "stale-version", "Precondition failed", str(exc),
                headers={"ETag": f'"{exc.actual}"'}, current_version=exc.actual,
            )  # fmt: skip
        case ConcurrentUpdateError():
            return Problem(
                409, "concurrent-update", "Concurrent update",
                "another request changed it first; read it again and retry",
            )  # fmt: skip
    return None


def install_shared_domain_errors(app: FastAPI) -> None:
    """For a service whose domain raises only the shared failures."""

    async def on_domain_error(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, DomainError)
        problem = shared_problem(exc) or Problem(400, "domain-error", "Bad request", str(exc))
        return problem_response(problem, request.url.path)

    app.add_exception_handler(DomainError, on_domain_error)
