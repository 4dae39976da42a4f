"""Upcasters turn a payload of an older schema version into the current one, on read."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import pytest

from projector.projections.accounts import project_accounts
from projector.projections.changes import UpdateTenant
from projector.projector import triage
from tessera_common.events import accounts, upcasting
from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.events.topics import ACCOUNTS_EVENTS
from tessera_common.events.upcasting import (
    MissingUpcasterError,
    UnknownSchemaVersionError,
    Upcasters,
    parse_as,
)

TENANT = uuid.uuid4()


class Greeted(Contract):
    """v1 said `text`; v2 renamed it `greeting`; v3 added `loud`."""

    event_type: ClassVar[str] = "Greeted"
    schema_version: ClassVar[int] = 3

    tenant_id: uuid.UUID
    greeting: str
    loud: bool


def greeted_upcasters() -> Upcasters:
    upcasters = Upcasters()

    @upcasters.register("Greeted", 1)
    def rename_text(payload: dict[str, Any]) -> dict[str, Any]:
        payload["greeting"] = payload.pop("text")
        return payload

    @upcasters.register("Greeted", 2)
    def derive_loud(payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "loud": payload["greeting"].endswith("!")}

    return upcasters


def envelope(version: int, payload: dict[str, Any], event_type: str = "Greeted") -> EventEnvelope:
    current = Greeted(tenant_id=TENANT, greeting="-", loud=False)
    event = new_event(
        current, tenant_id=TENANT, aggregate_type="tenant", aggregate_id=TENANT,
        aggregate_version=1, correlation_id=uuid.uuid4(),
    )  # fmt: skip
    return event.model_copy(
        update={"event_type": event_type, "schema_version": version, "payload": payload}
    )


def test_an_old_event_is_upcast_step_by_step_to_the_current_version() -> None:
    old = envelope(1, {"tenant_id": str(TENANT), "text": "hello!"})
    assert parse_as(Greeted, old, greeted_upcasters()) == Greeted(
        tenant_id=TENANT, greeting="hello!", loud=True
    )
    assert old.payload == {"tenant_id": str(TENANT), "text": "hello!"}  # left unchanged


def test_a_current_event_is_read_as_it_is() -> None:
    current = envelope(3, {"tenant_id": str(TENANT), "greeting": "hi", "loud": False})
    assert parse_as(Greeted, current, greeted_upcasters()).greeting == "hi"


def test_an_event_newer_than_the_reader_is_refused() -> None:
    newer = envelope(4, {"tenant_id": str(TENANT), "greeting": "hi", "loud": False})
    with pytest.raises(UnknownSchemaVersionError):
        parse_as(Greeted, newer, greeted_upcasters())


def test_a_gap_in_the_steps_is_refused() -> None:
    upcasters = Upcasters()
    upcasters.register("Greeted", 2)(lambda payload: payload)
    assert not upcasters.leads("Greeted", 1, 3)
    assert upcasters.leads("Greeted", 2, 3)
    with pytest.raises(MissingUpcasterError):
        parse_as(Greeted, envelope(1, {"tenant_id": str(TENANT), "text": "hi"}), upcasters)


def test_a_step_is_registered_once() -> None:
    upcasters = greeted_upcasters()
    with pytest.raises(ValueError, match="already has an upcaster"):
        upcasters.register("Greeted", 1)(lambda payload: payload)


def test_consumers_read_through_the_upcasters(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if TenantRenamed v1 had said `title` and v2 renamed it `name`: the projector
    reads a v1 event from the topic as v2."""
    monkeypatch.setattr(accounts.TenantRenamed, "schema_version", 2)
    monkeypatch.setattr(upcasting.UPCASTERS, "_steps", {})

    @upcasting.UPCASTERS.register("TenantRenamed", 1)
    def title_to_name(payload: dict[str, Any]) -> dict[str, Any]:
        payload["name"] = payload.pop("title")
        return payload

    old = envelope(1, {"tenant_id": str(TENANT), "title": "Acme"}, "TenantRenamed")
    [change] = project_accounts(old)
    assert isinstance(change, UpdateTenant)
    assert change.name == "Acme"


def test_a_projector_dead_letters_an_event_newer_than_it_knows() -> None:
    newer = envelope(2, {"tenant_id": str(TENANT), "name": "Acme"}, "TenantRenamed")
    projected, rejected = triage(ACCOUNTS_EVENTS, [newer.to_json()])
    assert projected == []
    assert [r.error.split(":")[0] for r in rejected] == ["UnknownSchemaVersionError"]
