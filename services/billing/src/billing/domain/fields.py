"""Field rules shared by the billing aggregates."""

from billing.domain.errors import InvalidFieldError

MIN_SEATS = 1
MAX_SEATS = 10_000


def clean_seats(seats: int) -> int:
    if not MIN_SEATS <= seats <= MAX_SEATS:
        raise InvalidFieldError("seats", f"must be between {MIN_SEATS} and {MAX_SEATS}")
    return seats


def require_count(field: str, value: int) -> int:
    if value < 0:
        raise InvalidFieldError(field, "must not be negative")
    return value
