"""Consumer expectations: a payload is checked field by field, nested lists included."""

from __future__ import annotations

import uuid

import pytest

from tessera_common.events.billing import InvoiceIssued
from tessera_common.events.expectations import FieldType, offered, unmet

TENANT = str(uuid.uuid4())
PAYLOAD = {
    "tenant_id": TENANT,
    "issued_at": "2026-02-03T09:00:00Z",
    "total": 4500,
    "paid": False,
    "rate": 0.5,
    "lines": [{"kind": "plan", "amount": 4500}, {"kind": "seats", "amount": 0}],
}


def test_a_payload_with_every_field_meets_the_expectations() -> None:
    fields: dict[str, FieldType] = {
        "tenant_id": "uuid", "issued_at": "date-time", "total": "integer", "paid": "boolean",
        "rate": "number", "lines[].kind": "string", "lines[].amount": "integer",
    }  # fmt: skip
    assert unmet(PAYLOAD, fields) == []


@pytest.mark.parametrize(
    ("path", "expected", "problem"),
    [
        ("currency", "string", "currency: missing"),
        ("lines[].unit", "integer", "lines[0].unit: missing"),
        ("total", "string", "total: 4500 is not string"),
        ("paid", "integer", "paid: False is not integer"),
        ("issued_at", "uuid", "issued_at: '2026-02-03T09:00:00Z' is not uuid"),
        ("lines[].kind", "date-time", "lines[0].kind: 'plan' is not date-time"),
        ("total[].kind", "string", "total[]: missing"),
    ],
)
def test_a_missing_field_or_another_type_is_reported(
    path: str, expected: FieldType, problem: str
) -> None:
    assert unmet(PAYLOAD, {path: expected})[0] == problem


def test_an_empty_list_cannot_show_its_elements_fields() -> None:
    assert unmet({"lines": []}, {"lines[].kind": "string"}) == ["lines[]: missing"]


def test_a_naive_date_time_is_not_a_date_time() -> None:
    assert unmet({"at": "2026-02-03T09:00:00"}, {"at": "date-time"}) != []


def test_a_schema_offers_its_field_paths_with_their_types() -> None:
    fields = offered(InvoiceIssued.model_json_schema())
    assert fields["invoice_id"] == "uuid"
    assert fields["currency"] == "string"  # an enum is a string to read
    assert fields["lines[].amount"] == "integer"
    assert fields["due_at"] == "date-time"
    assert "lines" not in fields
