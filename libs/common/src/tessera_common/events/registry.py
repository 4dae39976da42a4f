"""The committed registry of event schemas: `schemas/<EventType>/v<N>.json`, one per version.

`make contracts` (`python -m tessera_common.events.registry`) writes the JSON Schema of
every contract at its current `schema_version`, and of the envelope. It refuses to rewrite
a committed version in a way that breaks its consumers (see `compatibility`): such a change
needs a new version and an upcaster from the old one (see `upcasting`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tessera_common.events.accounts import ACCOUNTS_CONTRACTS
from tessera_common.events.billing import BILLING_CONTRACTS
from tessera_common.events.compatibility import breaking_changes
from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.topics import ACCOUNTS_EVENTS, BILLING_EVENTS, USAGE_EVENTS
from tessera_common.events.upcasting import UPCASTERS
from tessera_common.events.usage import USAGE_CONTRACTS

SCHEMAS = Path(__file__).parent / "schemas"
ENVELOPE = "EventEnvelope"
ENVELOPE_VERSION = 1
DIALECT = "https://json-schema.org/draft/2020-12/schema"

TOPICS: dict[str, str] = {
    **dict.fromkeys(ACCOUNTS_CONTRACTS, ACCOUNTS_EVENTS),
    **dict.fromkeys(BILLING_CONTRACTS, BILLING_EVENTS),
    **dict.fromkeys(USAGE_CONTRACTS, USAGE_EVENTS),
}
CONTRACTS: dict[str, type[Contract]] = {
    **ACCOUNTS_CONTRACTS, **BILLING_CONTRACTS, **USAGE_CONTRACTS
}  # fmt: skip

Schema = dict[str, Any]


def generated() -> dict[tuple[str, int], Schema]:
    """The schema of the envelope and of every contract at its current version."""
    schemas = {(ENVELOPE, ENVELOPE_VERSION): _schema(EventEnvelope, ENVELOPE_VERSION, None)}
    for name, contract in CONTRACTS.items():
        schemas[(name, contract.schema_version)] = _schema(
            contract, contract.schema_version, TOPICS[name]
        )
    return schemas


def _schema(model: type[BaseModel], version: int, topic: str | None) -> Schema:
    schema: Schema = {"$schema": DIALECT, **model.model_json_schema()}
    schema["x-schema-version"] = version
    if topic is not None:
        schema["x-topic"] = topic
    return schema


def path_of(name: str, version: int) -> Path:
    return SCHEMAS / name / f"v{version}.json"


def committed(name: str, version: int) -> Schema | None:
    """The committed schema of a version, or None when there is none."""
    path = path_of(name, version)
    return json.loads(path.read_text()) if path.exists() else None


def committed_versions(name: str) -> list[int]:
    """The versions of an event type that the registry holds, oldest first."""
    return sorted(int(path.stem[1:]) for path in (SCHEMAS / name).glob("v*.json"))


def render(schema: Schema) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def problems() -> list[str]:
    """Why the current contracts cannot replace the committed schemas; empty when they can."""
    found: list[str] = []
    for (name, version), schema in generated().items():
        versions = committed_versions(name)
        if versions and versions[-1] > version:
            found.append(f"{name}: v{versions[-1]} is committed but the contract is at v{version}")
        if versions and versions[0] < version and not UPCASTERS.leads(name, versions[0], version):
            found.append(f"{name}: no upcasters lead from v{versions[0]} to v{version}")
        old = committed(name, version)
        if old is not None:
            found += [f"{name} v{version}: {change}" for change in breaking_changes(old, schema)]
    return found


def write() -> list[Path]:
    """Write every current schema that differs from its committed file; the paths written."""
    written: list[Path] = []
    for (name, version), schema in generated().items():
        path, text = path_of(name, version), render(schema)
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
    return written


def main() -> int:
    """Regenerate the registry, or explain why a committed version may not change."""
    found = problems()
    if found:
        print("Breaking changes to committed event schemas:", *found, sep="\n  ", file=sys.stderr)
        print("Bump the contract's schema_version and register an upcaster.", file=sys.stderr)
        return 1
    for path in write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
