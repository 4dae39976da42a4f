"""The failures every bounded context's domain speaks of in the same words (stdlib only)."""


class DomainError(Exception):
    """A rule of the domain was broken."""


class InvalidFieldError(DomainError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class StaleVersionError(DomainError):
    """The caller's If-Match names a version the aggregate has moved past."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"expected version {expected}, the current one is {actual}")
        self.expected = expected
        self.actual = actual


class ConcurrentUpdateError(DomainError):
    """Another command changed the aggregate between our read and our write."""
