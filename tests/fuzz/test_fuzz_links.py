"""Stateful fuzzing along accounts' OpenAPI links: create, then address what was created."""

from __future__ import annotations

from typing import Any

import pytest
from fuzzing import CHECKS, FUZZED
from hypothesis import settings
from schemathesis import Case, Response

pytestmark = pytest.mark.usefixtures("in_process_apps")


class AccountsWorkflows(FUZZED["accounts"][0].as_state_machine()):  # type: ignore[misc]
    """Sequences of calls that follow the links, each response held to the checks."""

    def validate_response(
        self, response: Response, case: Case[Any], additional_checks: Any = None, **kwargs: Any
    ) -> None:
        case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)


TestAccountsWorkflows = AccountsWorkflows.TestCase
TestAccountsWorkflows.settings = settings(max_examples=15, stateful_step_count=6, deadline=None)
