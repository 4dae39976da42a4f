"""Dependencies of the accounts routes."""

import uuid
from typing import Annotated

from fastapi import Depends, Request

from accounts.bootstrap import Accounts


async def get_accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


async def correlation_id(request: Request) -> uuid.UUID:
    """The request id when it is a UUID (so events correlate to it), else a new one."""
    try:
        return uuid.UUID(request.scope["state"]["request_id"])
    except (KeyError, ValueError):
        return uuid.uuid4()


AccountsDep = Annotated[Accounts, Depends(get_accounts)]
CorrelationDep = Annotated[uuid.UUID, Depends(correlation_id)]
