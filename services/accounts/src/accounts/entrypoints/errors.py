"""Domain errors -> problem responses."""

from fastapi import FastAPI, Request

from accounts.domain.errors import (
    ApiKeyNotFoundError,
    DomainError,
    DuplicateEmailError,
    PlacementConflictError,
    TenantNotActiveError,
    TenantNotFoundError,
    UserNotFoundError,
)
from tessera_common.http.domain_problems import shared_problem
from tessera_common.idempotency.guard import conflict as idempotency_conflict
from tessera_common.problems import Problem, ProblemResponse, problem_response


def to_problem(exc: DomainError) -> Problem:
    if (shared := shared_problem(exc)) is not None:
        return shared
    match exc:
        case TenantNotFoundError():
            return Problem(404, "not-found", "Tenant not found")
        case UserNotFoundError():
            return Problem(404, "not-found", "User not found")
        case ApiKeyNotFoundError():
            return Problem(404, "not-found", "API key not found")
        case PlacementConflictError():
            return idempotency_conflict()
        case TenantNotActiveError():
            return Problem(409, "tenant-not-active", "Tenant is not active", str(exc))
        case DuplicateEmailError():
            return Problem(
                409,
                "duplicate-email",
                "Email already in use",
                "a user of this tenant has it",
                errors=[{"field": "email", "message": "already in use in this tenant"}],
            )
    return Problem(400, "domain-error", "Request breaks a rule", str(exc))


def install_domain_error_handler(app: FastAPI) -> None:
    async def on_domain_error(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, DomainError)
        return problem_response(to_problem(exc), request.url.path)

    app.add_exception_handler(DomainError, on_domain_error)
