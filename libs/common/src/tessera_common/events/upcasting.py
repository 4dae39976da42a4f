"""Upcasting: an event published at an older schema version is read as the current one.

A breaking change bumps a contract's `schema_version`, but events of the older versions
stay in Kafka and are replayed. The contract's module registers one upcaster per step
(v1 -> v2, v2 -> v3) with `UPCASTERS.register`; readers parse payloads with `parse_as`,
which applies the steps. A version newer than the reader's contract is refused (a
producer ahead of its consumer): the event is dead-lettered, to replay after the upgrade.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]
C = TypeVar("C", bound=Contract)


class UnknownSchemaVersionError(ValueError):
    """The event is newer than the contract this reader knows."""


class MissingUpcasterError(ValueError):
    """No upcaster leads from the event's version to the contract's."""


class Upcasters:
    """Steps by (event type, from version); each turns a payload into the next version's."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorate the function that turns `from_version` into `from_version + 1`."""

        def add(step: Upcaster) -> Upcaster:
            if (event_type, from_version) in self._steps:
                raise ValueError(f"{event_type} v{from_version} already has an upcaster")
            self._steps[(event_type, from_version)] = step
            return step

        return add

    def leads(self, event_type: str, version: int, target: int) -> bool:
        """Whether registered steps lead from `version` up to `target`."""
        return all((event_type, step) in self._steps for step in range(version, target))

    def upcast(self, event_type: str, payload: Payload, version: int, target: int) -> Payload:
        """The payload at `target`, from one at `version`; the input is left unchanged."""
        if version > target:
            raise UnknownSchemaVersionError(f"{event_type} v{version}: this reader knows v{target}")
        for step in range(version, target):
            upcaster = self._steps.get((event_type, step))
            if upcaster is None:
                raise MissingUpcasterError(f"{event_type}: no upcaster from v{step}")
            payload = upcaster(dict(payload))
        return payload


UPCASTERS = Upcasters()


def parse_as(contract: type[C], event: EventEnvelope, upcasters: Upcasters = UPCASTERS) -> C:
    """The event's payload as `contract` at its current version, upcast when older."""
    payload = upcasters.upcast(
        contract.event_type, event.payload, event.schema_version, contract.schema_version
    )
    return contract.model_validate(payload)
