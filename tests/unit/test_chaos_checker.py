"""The fault harness' checker and recovery figures, on hand-made observations."""

from __future__ import annotations

import uuid

from harness.checker import check
from harness.ledger import Command, Ledger
from harness.recovery import Marks, recovery, uptime
from harness.statuses import PROBLEM_JSON, TIMEOUT, Answer
from harness.views import Event, Observation, TenantView
from harness.workload import METER

TENANT = str(uuid.uuid4())
USER = str(uuid.uuid4())


def ledger_with_user_and_usage() -> Ledger:
    ledger = Ledger(tenants={TENANT: {"tenant_id": TENANT}})
    user = Command("user", TENANT, "k1", {"email": "a@chaos.test", "name": "A"})
    user.acked = {"email": "a@chaos.test", "user_id": USER}
    usage = Command("usage", TENANT, "k2", {"records": [
        {"event_id": "e1", "meter": METER, "quantity": 2},
        {"event_id": "e2", "meter": METER, "quantity": 3},
    ]})  # fmt: skip
    usage.acked = {"accepted": 2, "duplicates": 0}
    ledger.commands += [user, usage]
    return ledger


def view(users: list[tuple[str, str]], total: int, count: int | None = None) -> TenantView:
    count = len(users) if count is None else count
    return TenantView(name="T", version=1, user_count=count, users=users, usage_total=total)


def observation(**changes: object) -> Observation:
    users = [(USER, "a@chaos.test")]
    shard = view(users, 5)
    shard.usage_events = ["e1", "e2"]
    events = [
        Event(0, "v1", "TenantCreated", TENANT, 1, {}),
        Event(1, "v2", "UserAdded", USER, 1, {"email": "a@chaos.test"}),
        Event(2, "v3", "UsageRecorded", str(uuid.uuid4()), 1,
              {"totals": [{"meter": METER, "quantity": 5}]}),
    ]  # fmt: skip
    seen = Observation(
        shards={TENANT: shard}, read_db={TENANT: view(users, 5)},
        redis={TENANT: view([], 5, count=1)}, api={TENANT: view(users, 5)},
        events={TENANT: events}, redis_digests=set(), lag=0,
    )  # fmt: skip
    for name, value in changes.items():
        setattr(seen, name, value)
    return seen


def test_what_was_acknowledged_and_applied_once_everywhere_is_clean() -> None:
    assert check(ledger_with_user_and_usage(), observation()).as_dict() == {
        "lost": 0, "duplicate": 0, "phantom": 0, "stale": 0, "order": 0,
    }  # fmt: skip


def test_an_acknowledged_user_missing_from_a_read_model_is_lost() -> None:
    found = check(ledger_with_user_and_usage(), observation(read_db={TENANT: view([], 5)}))
    assert found.counts["lost"] == 1
    assert found.counts["stale"] == 1  # its count disagrees with the shard's too


def test_a_redelivered_event_is_not_a_duplicate_but_a_second_user_is() -> None:
    seen = observation()
    seen.events[TENANT].append(seen.events[TENANT][1])  # the same event id again
    assert check(ledger_with_user_and_usage(), seen).clean
    seen.events[TENANT].append(Event(9, "v9", "UserAdded", str(uuid.uuid4()), 1,
                                     {"email": "a@chaos.test"}))  # fmt: skip
    assert check(ledger_with_user_and_usage(), seen).counts["duplicate"] == 1


def test_a_usage_total_above_the_shard_is_a_duplicate_and_an_unknown_event_a_phantom() -> None:
    seen = observation(redis={TENANT: view([], 8, count=1)})
    seen.shards[TENANT].usage_events.append("e-unknown")
    found = check(ledger_with_user_and_usage(), seen)
    assert found.counts["duplicate"] == 1
    assert found.counts["phantom"] == 1


def test_versions_going_back_on_a_partition_are_out_of_order() -> None:
    seen = observation()
    seen.events[TENANT] += [
        Event(3, "r3", "TenantRenamed", TENANT, 3, {"name": "T"}),
        Event(4, "r2", "TenantRenamed", TENANT, 2, {"name": "T"}),
    ]
    found = check(ledger_with_user_and_usage(), seen)
    assert found.counts["order"] == 1
    assert found.counts["phantom"] == 1  # a rename nobody sent


def answer(sent: float, status: int | str, **extra: str) -> Answer:
    return Answer("user", sent, sent + 0.1, status, **extra)


def test_a_503_problem_with_retry_after_is_acceptable_a_500_or_a_hang_is_not() -> None:
    assert answer(0, 503, content_type=PROBLEM_JSON, retry_after="1").acceptable
    assert not answer(0, 503).acceptable
    assert not answer(0, 500).acceptable
    assert not answer(0, TIMEOUT).acceptable
    assert all(answer(0, s).acceptable for s in (200, 201, 202, 409, 412, 429))


def test_recovery_figures_follow_the_fault_and_the_heal() -> None:
    answers = [answer(0.5, 201), answer(2.2, 503), answer(3.0, TIMEOUT), answer(6.1, 201)]
    figures = recovery(answers, Marks(started=0, fault=2.0, healed=6.0, ended=10.0, converged=9))
    assert figures.to_first_failure == 0.3
    assert figures.to_recover == 0.2
    assert figures.to_converge == 3.0
    assert figures.uptime == 0.8  # seconds 2 and 3 of 10 saw a failure (one tenant)
    assert uptime([], 0, 4) == (1.0, 4)


def test_a_shard_out_is_down_for_its_own_tenants_only() -> None:
    answers = [
        Answer("user", 1.0, 1.1, 201, tenant="a"),
        Answer("user", 2.0, 2.1, 503, tenant="b"),
        Answer("user", 3.0, 3.1, 503, tenant="b"),
    ]
    assert uptime(answers, 0, 10) == (1 - 2 / 20, 10)
