"""Consumer side of the event contracts: each declaration is what its code reads.

The consumers' source is read (not run): the event types each one dispatches on must be
declared, and the fields it reads of each must be exactly the declared ones, with the
types the committed schema gives them.
"""

from __future__ import annotations

from types import ModuleType

import pytest
from consumer_reads import consumer_reads

import accounts.app.choreography
import billing.app.choreography
import projector.projections.accounts
import projector.projections.billing
import projector.projections.usage
from projector.projector import PROJECTIONS
from tessera_common.events import registry
from tessera_common.events.expectations import Consumes, offered

CONSUMERS = [
    projector.projections.accounts,
    projector.projections.billing,
    projector.projections.usage,
    billing.app.choreography,
    accounts.app.choreography,
]
IDS = [module.__name__ for module in CONSUMERS]


def declared(module: ModuleType) -> Consumes:
    consumes: Consumes = module.CONSUMES
    return consumes


def offered_by(event_type: str) -> dict[str, str]:
    schema = registry.committed(event_type, registry.CONTRACTS[event_type].schema_version)
    assert schema is not None, f"{event_type} is not in the registry"
    return dict(offered(schema))


@pytest.mark.parametrize("module", CONSUMERS, ids=IDS)
def test_every_event_a_consumer_dispatches_on_is_declared(module: ModuleType) -> None:
    assert consumer_reads(module).dispatched <= set(declared(module))


@pytest.mark.parametrize("module", CONSUMERS, ids=IDS)
def test_a_consumer_declares_exactly_the_fields_its_code_reads(module: ModuleType) -> None:
    reads = consumer_reads(module)
    for event_type, fields in declared(module).items():
        assert reads.of(event_type, offered_by(event_type)) == set(fields), event_type


@pytest.mark.parametrize("module", CONSUMERS, ids=IDS)
def test_declared_fields_are_in_the_registry_with_their_types(module: ModuleType) -> None:
    for event_type, fields in declared(module).items():
        schema_fields = offered_by(event_type)
        assert {path: schema_fields.get(path) for path in fields} == dict(fields), event_type


def test_the_projector_declares_every_event_of_the_topics_it_projects() -> None:
    projected = {
        **projector.projections.accounts.CONSUMES,
        **projector.projections.billing.CONSUMES,
        **projector.projections.usage.CONSUMES,
    }
    assert set(projected) == {
        name for name, topic in registry.TOPICS.items() if topic in PROJECTIONS
    }
