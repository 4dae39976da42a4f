"""Every command the workload sent, and what was acknowledged of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.statuses import Answer


@dataclass
class Command:
    """One command as a client means it: the same key and body on every attempt."""

    kind: str  # "user", "usage", "rename" or "key"
    tenant_id: str
    key: str  # its Idempotency-Key (a rename's is the name it sets)
    body: dict[str, Any]
    acked: dict[str, Any] | None = None  # the body of the acknowledgement, once there is one
    attempts: list[Answer] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        """Settled: acknowledged or definitely refused (a rename over a stale version)."""
        return self.acked is not None or any(a.status == 412 for a in self.attempts)


@dataclass
class Ledger:
    """What the clients sent, per tenant; the checker compares the system with it."""

    tenants: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> created tenant
    commands: list[Command] = field(default_factory=list)
    reads: list[Answer] = field(default_factory=list)

    def of(self, tenant_id: str, kind: str) -> list[Command]:
        return [c for c in self.commands if c.tenant_id == tenant_id and c.kind == kind]

    def acked(self, tenant_id: str, kind: str) -> list[Command]:
        return [c for c in self.of(tenant_id, kind) if c.acked is not None]

    @property
    def answers(self) -> list[Answer]:
        """Every attempt of every command, and every read, in the order they were sent."""
        found = [a for c in self.commands for a in c.attempts] + self.reads
        return sorted(found, key=lambda a: a.sent_at)
