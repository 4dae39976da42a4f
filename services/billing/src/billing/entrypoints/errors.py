"""Billing domain errors -> problem responses."""

from fastapi import FastAPI, Request

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
from tessera_common.http.domain_problems import shared_problem
from tessera_common.problems import Problem, ProblemResponse, problem_response


def _field(status: int, slug: str, field: str, message: str) -> Problem:
    return Problem(
        status, slug, message.capitalize(), f"invalid field(s): {field}",
        errors=[{"field": field, "message": message}],
    )  # fmt: skip


def to_problem(exc: DomainError) -> Problem:
    if (shared := shared_problem(exc)) is not None:
        return shared
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
    return Problem(400, "domain-error", "Request breaks a rule", str(exc))


def install_domain_error_handler(app: FastAPI) -> None:
    async def on_domain_error(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, DomainError)
        return problem_response(to_problem(exc), request.url.path)

    app.add_exception_handler(DomainError, on_domain_error)
