"""Every upstream's OpenAPI, fuzzed against its in-process app on the running stack."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fuzzing import CHECKS, FUZZED, SERVICES
from hypothesis import settings
from schemathesis import Case

pytestmark = pytest.mark.usefixtures("in_process_apps")


@schemathesis.pytest.parametrize(**{service: FUZZED[service][0] for service in SERVICES})
@settings(max_examples=25, deadline=None)
def test_no_input_breaks_a_service(case: Case[Any]) -> None:
    case.call_and_validate(checks=CHECKS)
