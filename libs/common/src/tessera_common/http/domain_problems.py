"""Domain errors -> problem responses: the failures every context shares, then the service's."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request

from tessera_common.domain_errors import (
    ConcurrentUpdateError,
    DomainError,
    InvalidFieldError,
    StaleVersionError,
)
from tessera_common.problems import Problem, ProblemResponse, problem_response

# A service's own domain errors as problems; None for an error it does not name.
ToProblem = Callable[[DomainError], Problem | None]


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


def no_own_problems(exc: DomainError) -> Problem | None:
    """For a service whose domain raises only the shared failures."""
    return None


def install_domain_problems(app: FastAPI, to_problem: ToProblem = no_own_problems) -> None:
    """Answer every DomainError with a problem: shared, the service's own, else a 400."""

    async def on_domain_error(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, DomainError)
        problem = (
            shared_problem(exc)
            or to_problem(exc)
            or Problem(400, "domain-error", "Request breaks a rule", str(exc))
        )
        return problem_response(problem, request.url.path)

    app.add_exception_handler(DomainError, on_domain_error)
