"""The billing domain's own errors as problems (the shared ones are the kit's)."""

from billing.domain.errors import (
    CurrencyMismatchError,
    DomainError,
    InvoiceAlreadyIssuedError,
    InvoiceAlreadyPaidError,
    InvoiceNotFoundError,
    PaymentConflictError,
    PeriodNotClosedError,
    SubscriptionCancelledError,
    SubscriptionNotFoundError,
)
from tessera_common.problems import Problem


def _field(status: int, slug: str, field: str, message: str) -> Problem:
    return Problem(
        status, slug, message.capitalize(), f"invalid field(s): {field}",
        errors=[{"field": field, "message": message}],
    )  # fmt: skip


def to_problem(exc: DomainError) -> Problem | None:
    match exc:
        case SubscriptionNotFoundError():
            return Problem(
                409, "subscription-not-started", "Subscription not started yet",
                "billing starts a tenant's subscription when it learns of the tenant; retry",
                headers={"Retry-After": "1"},
            )  # fmt: skip
        case SubscriptionCancelledError():
            return Problem(409, "subscription-cancelled", "Subscription cancelled", str(exc))
        case PeriodNotClosedError():
            return _field(422, "period-not-closed", "period", "the month has not ended yet")
        case CurrencyMismatchError():
            return _field(422, "currency-mismatch", "currency", str(exc))
        case InvoiceNotFoundError():
            return Problem(404, "not-found", "Invoice not found")
        case InvoiceAlreadyIssuedError():
            return Problem(409, "invoice-already-issued", "Invoice already issued", str(exc))
        case InvoiceAlreadyPaidError():
            return Problem(409, "invoice-already-paid", "Invoice already paid", str(exc))
        case PaymentConflictError():
            return _field(409, "payment-id-reused", "payment_id", str(exc))
    return None
