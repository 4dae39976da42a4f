"""The accounts domain's own errors as problems (the shared ones are the kit's)."""

from accounts.domain.errors import (
    ApiKeyNotFoundError,
    DomainError,
    DuplicateEmailError,
    PlacementConflictError,
    TenantNotActiveError,
    TenantNotFoundError,
    UserNotFoundError,
)
from tessera_common.http.idempotency import key_reused_problem
from tessera_common.problems import Problem


def to_problem(exc: DomainError) -> Problem | None:
    match exc:
        case TenantNotFoundError():
            return Problem(404, "not-found", "Tenant not found")
        case UserNotFoundError():
            return Problem(404, "not-found", "User not found")
        case ApiKeyNotFoundError():
            return Problem(404, "not-found", "API key not found")
        case PlacementConflictError():
            return key_reused_problem()
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
    return None
