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
