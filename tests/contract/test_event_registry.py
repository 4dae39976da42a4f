"""The committed event schema registry matches the contracts, and no change breaks it."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from tessera_common.events import accounts, registry, upcasting

GENERATED = registry.generated()
COMMITTED = sorted((p.parent.name, int(p.stem[1:])) for p in registry.SCHEMAS.glob("*/v*.json"))


@pytest.mark.parametrize(("name", "version"), sorted(GENERATED))
def test_the_committed_schema_is_the_generated_one(name: str, version: int) -> None:
    path = registry.path_of(name, version)
    assert path.exists(), f"{path} is missing: run `make contracts`"
    assert path.read_text() == registry.render(GENERATED[(name, version)]), (
        f"{path} is stale: run `make contracts`"
    )


def test_the_contracts_do_not_break_their_committed_versions() -> None:
    assert registry.problems() == []


def test_a_version_bump_needs_upcasters_from_the_committed_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(accounts.TenantRenamed, "schema_version", 2)
    monkeypatch.setattr(upcasting.UPCASTERS, "_steps", {})
    assert registry.problems() == ["TenantRenamed: no upcasters lead from v1 to v2"]
    upcasting.UPCASTERS.register("TenantRenamed", 1)(lambda payload: payload)
    assert registry.problems() == []


def test_every_schema_directory_belongs_to_a_current_contract() -> None:
    """Dropping a contract strands its consumers: its schemas stay, so this fails."""
    directories = {path.name for path in registry.SCHEMAS.iterdir() if path.is_dir()}
    assert directories == {name for name, _ in GENERATED}


@pytest.mark.parametrize(("name", "version"), COMMITTED)
def test_every_committed_schema_is_valid_json_schema(name: str, version: int) -> None:
    schema = registry.committed(name, version)
    assert schema is not None
    Draft202012Validator.check_schema(schema)


def test_every_event_type_is_published_on_its_context_topic() -> None:
    assert set(registry.TOPICS) == set(registry.CONTRACTS)
    assert {registry.TOPICS[name] for name in registry.CONTRACTS} == {
        "accounts.events",
        "billing.events",
        "usage.events",
    }
