"""The invariants after a fault, in Jepsen's words: what was acknowledged against what the
shards, the topics and every read model hold.

- lost: acknowledged, and missing from the shard, the topic or a read model;
- duplicate: applied twice (two rows, two distinct events, a total above the shard's);
- phantom: applied, never sent;
- stale: a read model disagrees with the shard once everything should have converged;
- order: a tenant's events out of version order on its partition (what the read models apply).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from harness.ledger import Ledger
from harness.views import Event, Observation, TenantView
from harness.workload import METER
from tessera_common.api_keys import digest_of

KINDS = ("lost", "duplicate", "phantom", "stale", "order")


@dataclass
class Findings:
    """Counts per invariant, with a few examples of each for the report."""

    examples: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, what: str, n: int = 1) -> None:
        if n <= 0:
            return
        self.counts[kind] += n
        if len(self.examples[kind]) < 5:
            self.examples[kind].append(what)

    @property
    def clean(self) -> bool:
        return not any(self.counts[k] for k in KINDS)

    def as_dict(self) -> dict[str, int]:
        return {kind: self.counts[kind] for kind in KINDS}


def check(ledger: Ledger, seen: Observation) -> Findings:
    found = Findings()
    for tenant_id in ledger.tenants:
        _users(found, ledger, seen, tenant_id)
        _usage(found, ledger, seen, tenant_id)
        _renames(found, ledger, seen, tenant_id)
        _keys(found, ledger, seen, tenant_id)
        _profiles(found, seen, tenant_id)
        _order(found, tenant_id, seen.events[tenant_id])
    return found


def _read_models(seen: Observation, tenant_id: str) -> dict[str, TenantView]:
    return {"read DB": seen.read_db[tenant_id], "redis": seen.redis[tenant_id],
            "query API": seen.api[tenant_id]}  # fmt: skip


def _users(found: Findings, ledger: Ledger, seen: Observation, tenant_id: str) -> None:
    sent = {c.body["email"] for c in ledger.of(tenant_id, "user")}
    acked = {
        c.acked["email"]: c.acked["user_id"] for c in ledger.acked(tenant_id, "user") if c.acked
    }
    events = [e for e in _distinct(seen.events[tenant_id]) if e.event_type == "UserAdded"]
    places = {
        "shard": seen.shards[tenant_id].users,
        "topic": [(e.aggregate_id, str(e.payload["email"])) for e in events],
        "read DB": seen.read_db[tenant_id].users,
        "query API": seen.api[tenant_id].users,
    }
    for place, users in places.items():
        ids_by_email: dict[str, set[str]] = {}
        for user_id, email in users:
            ids_by_email.setdefault(email, set()).add(user_id)
        for email, user_id in acked.items():
            if user_id not in ids_by_email.get(email, set()):
                found.add("lost", f"user {email} acknowledged, not in the {place}")
        for email, ids in ids_by_email.items():
            if email not in sent:
                found.add("phantom", f"user {email} in the {place}, never sent")
            found.add("duplicate", f"user {email} {len(ids)} times in the {place}", len(ids) - 1)
        rows = Counter(user_id for user_id, _ in users)
        found.add("duplicate", f"a user row twice in the {place}", sum(rows.values()) - len(rows))


def _usage(found: Findings, ledger: Ledger, seen: Observation, tenant_id: str) -> None:
    sent = {r["event_id"]: r["quantity"] for c in ledger.of(tenant_id, "usage")
            for r in c.body["records"]}  # fmt: skip
    acked = {r["event_id"] for c in ledger.acked(tenant_id, "usage") for r in c.body["records"]}
    shard = seen.shards[tenant_id]
    stored = Counter(shard.usage_events)
    for event_id in acked - stored.keys():
        found.add("lost", f"usage event {event_id} acknowledged, not in the shard")
    for event_id, n in stored.items():
        if event_id not in sent:
            found.add("phantom", f"usage event {event_id} in the shard, never sent")
        found.add("duplicate", f"usage event {event_id} stored {n} times", n - 1)
    recorded = [e for e in _distinct(seen.events[tenant_id]) if e.event_type == "UsageRecorded"]
    on_topic = sum(
        int(t["quantity"]) for e in recorded for t in e.payload["totals"] if t["meter"] == METER
    )
    _compare_total(found, "topic", on_topic, shard.usage_total)
    for place, view in _read_models(seen, tenant_id).items():
        _compare_total(found, place, view.usage_total, shard.usage_total)


def _compare_total(found: Findings, place: str, total: int, shard_total: int) -> None:
    if total > shard_total:
        found.add("duplicate", f"usage total {total} in the {place} over the shard's {shard_total}")
    elif total < shard_total:
        found.add("lost", f"usage total {total} in the {place} under the shard's {shard_total}")


def _renames(found: Findings, ledger: Ledger, seen: Observation, tenant_id: str) -> None:
    sent = {c.body["name"] for c in ledger.of(tenant_id, "rename")}
    renamed = [e for e in _distinct(seen.events[tenant_id]) if e.event_type == "TenantRenamed"]
    names = Counter(str(e.payload["name"]) for e in renamed)
    for command in ledger.acked(tenant_id, "rename"):
        if command.body["name"] not in names:
            found.add("lost", f"rename to {command.body['name']!r} acknowledged, not on the topic")
    for name, n in names.items():
        if name not in sent:
            found.add("phantom", f"rename to {name!r} on the topic, never sent")
        found.add("duplicate", f"rename to {name!r} applied {n} times", n - 1)
    shard = seen.shards[tenant_id]
    if renamed and shard.name != renamed[-1].payload["name"]:
        found.add("stale", f"the shard's name {shard.name!r} is not its last rename's")


def _keys(found: Findings, ledger: Ledger, seen: Observation, tenant_id: str) -> None:
    commands = ledger.of(tenant_id, "key")
    acked = [c.acked for c in ledger.acked(tenant_id, "key") if c.acked]
    shard = set(seen.shards[tenant_id].key_ids)
    read_db = Counter(seen.read_db[tenant_id].key_ids)
    for key in acked:
        if key["key_id"] not in shard:
            found.add("lost", f"API key {key['key_id']} acknowledged, not in the shard")
        elif key["key_id"] not in read_db:
            found.add("lost", f"API key {key['key_id']} acknowledged, not in the read DB")
        elif digest_of(key["api_key"]) not in seen.redis_digests:
            found.add("lost", f"API key {key['key_id']} acknowledged, Redis cannot resolve it")
    # The tenant's first key came with it; every other one needs a command of its own.
    extra = len(shard) - 1 - len(commands)
    found.add("duplicate", f"{extra} API keys more than commands sent", extra)
    for key_id in read_db.keys() - shard:
        found.add("phantom", f"API key {key_id} in the read DB, not in the shard")


def _profiles(found: Findings, seen: Observation, tenant_id: str) -> None:
    shard = seen.shards[tenant_id]
    for place, view in _read_models(seen, tenant_id).items():
        if view.profile != shard.profile:
            found.add("stale", f"{place} profile {view.profile} but the shard {shard.profile}")


def _order(found: Findings, tenant_id: str, events: list[Event]) -> None:
    """Per aggregate, versions must only grow along the partition (a redelivery of an event
    already read is at-least-once delivery, not disorder)."""
    latest: dict[str, int] = {}
    for event in _distinct(events):
        before = latest.get(event.aggregate_id, 0)
        if event.aggregate_version <= before:
            found.add("order", f"{event.event_type} v{event.aggregate_version} after v{before}")
        latest[event.aggregate_id] = max(before, event.aggregate_version)


def _distinct(events: list[Event]) -> list[Event]:
    """Each event once, where it first appeared."""
    seen: set[str] = set()
    first = []
    for event in events:
        if event.event_id not in seen:
            seen.add(event.event_id)
            first.append(event)
    return first
