"""Dependencies of the billing routes."""

from typing import Annotated

from fastapi import Depends, Request

from billing.bootstrap import Billing


async def get_billing(request: Request) -> Billing:
    billing: Billing = request.app.state.billing
    return billing


BillingDep = Annotated[Billing, Depends(get_billing)]
