"""The gateway's aggregated OpenAPI, fuzzed in process with the operator key."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fuzzing import CHECKS, FUZZED, document
from hypothesis import settings
from schemathesis import Case

pytestmark = pytest.mark.usefixtures("in_process_apps")
schema, gateway = FUZZED["gateway"]


def test_the_fuzzed_document_is_the_one_the_gateway_serves() -> None:
    served = schemathesis.openapi.from_asgi("/openapi.json", gateway)
    assert served.raw_schema == document("gateway")


@schema.parametrize()
@settings(max_examples=20, deadline=None)
def test_no_input_breaks_the_gateway(case: Case[Any]) -> None:
    case.call_and_validate(checks=CHECKS)
