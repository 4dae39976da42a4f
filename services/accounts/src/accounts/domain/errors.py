"""What can go wrong in the accounts domain, in its own words."""


class DomainError(Exception):
    """A rule of the domain was broken."""


class InvalidFieldError(DomainError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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


class StaleVersionError(DomainError):
    """The caller's If-Match names a version the aggregate has moved past."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"expected version {expected}, the current one is {actual}")
        self.expected = expected
        self.actual = actual


class ConcurrentUpdateError(DomainError):
    """Another command changed the aggregate between our read and our write."""


class PlacementConflictError(DomainError):
    """A tenant id already placed in another region (a reused Idempotency-Key)."""
