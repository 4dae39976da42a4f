"""What can go wrong in the billing domain, in its own words."""

from __future__ import annotations

import uuid

from tessera_common.domain_errors import (
    ConcurrentUpdateError,
    DomainError,
    InvalidFieldError,
    StaleVersionError,
)
from tessera_common.vocabulary import Currency

__all__ = ["ConcurrentUpdateError", "DomainError", "InvalidFieldError", "StaleVersionError"]


class SubscriptionNotFoundError(DomainError):
    pass


class SubscriptionCancelledError(DomainError):
    """A cancelled subscription can be neither changed nor invoiced."""


class InvoiceNotFoundError(DomainError):
    pass


class PeriodNotClosedError(DomainError):
    """An invoice covers a whole month, so it waits until that month has ended."""


class CurrencyMismatchError(DomainError):
    def __init__(self, expected: Currency, actual: Currency) -> None:
        super().__init__(f"the invoice is in {expected}, the payment in {actual}")
        self.expected = expected
        self.actual = actual


class InvoiceAlreadyPaidError(DomainError):
    pass


class PaymentConflictError(DomainError):
    """A payment id replayed with another amount or currency than it was first applied with."""

    def __init__(self, payment_id: uuid.UUID) -> None:
        super().__init__(
            f"payment {payment_id} was already applied with another amount or currency"
        )
        self.payment_id = payment_id


class InvoiceAlreadyIssuedError(DomainError):
    """A tenant gets one invoice per period."""
