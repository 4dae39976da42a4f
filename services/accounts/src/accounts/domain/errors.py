"""What can go wrong in the accounts domain, in its own words."""

from tessera_common.domain_errors import (
    ConcurrentUpdateError,
    DomainError,
    InvalidFieldError,
    StaleVersionError,
)

__all__ = ["ConcurrentUpdateError", "DomainError", "InvalidFieldError", "StaleVersionError"]


class TenantNotFoundError(DomainError):
    pass


class TenantNotActiveError(DomainError):
    pass


class DuplicateEmailError(DomainError):
    pass


class UserNotFoundError(DomainError):
    pass


class ApiKeyNotFoundError(DomainError):
    pass


class PlacementConflictError(DomainError):
    """A tenant id already placed in another region (a reused Idempotency-Key)."""
