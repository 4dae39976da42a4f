"""Each fault under the harness' load: nothing lost, doubled, invented, stale or out of
order once healed; clients see only 2xx, 409/412/429 or a 503 problem with Retry-After;
the projector's lag returns to 0. Each fault runs CHAOS_ROUNDS times (see conftest)."""

from __future__ import annotations

import httpx
import pytest
from harness.faults import (
    BadLink,
    Fault,
    KillBroker,
    KillInstances,
    KillPartitionLeaders,
    KillRedis,
    KillSecondWorker,
    PauseBroker,
    RebalanceStorm,
    StopShard,
)
from harness.proxy import Mode
from harness.rounds import Round, Rounds

pytestmark = pytest.mark.timeout(900)


async def survive(rounds: Rounds, fault: Fault, chaos_round: int) -> Round:
    result = await rounds.run(fault, f"{fault.name} {chaos_round}")
    summary = result.as_dict()
    assert result.findings.clean, summary
    assert result.refused == [], summary
    assert result.lag == 0, summary
    assert result.recovery.to_converge is not None, summary
    return result


async def test_the_broker_paused_past_the_session_timeout(rounds: Rounds, chaos_round: int) -> None:
    await survive(rounds, PauseBroker("broker-pause"), chaos_round)
    projector = rounds.stack.layout.service_url("projector")
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{projector}/readyz")).status_code == 200


@pytest.mark.slow_fault
async def test_the_broker_killed_and_restarted(rounds: Rounds, chaos_round: int) -> None:
    await survive(rounds, KillBroker("broker-kill"), chaos_round)


async def test_a_shard_stopped_immediately_under_load(rounds: Rounds, chaos_round: int) -> None:
    await survive(rounds, StopShard("shard-stop"), chaos_round)


async def test_command_services_killed_mid_relay(rounds: Rounds, chaos_round: int) -> None:
    """accounts (one of two instances) and usage (its only one): both relays die mid-batch."""
    await survive(rounds, KillInstances("relay-kill", instances=("accounts", "usage")), chaos_round)


async def test_a_projector_worker_killed_mid_batch(rounds: Rounds, chaos_round: int) -> None:
    await survive(rounds, KillSecondWorker("projector-kill"), chaos_round)


@pytest.mark.slow_fault
async def test_a_rebalance_storm(rounds: Rounds, chaos_round: int) -> None:
    await survive(rounds, RebalanceStorm("rebalance-storm"), chaos_round)


async def test_redis_killed(rounds: Rounds, chaos_round: int) -> None:
    result = await survive(rounds, KillRedis("redis-kill", hold=6.0), chaos_round)
    # Back at once: nothing sent after Redis answered again fails (no dead pooled connection).
    after = [a for a in result.ledger.answers if a.sent_at >= result.marks.healed]
    assert after
    assert [a.label for a in after if a.failed] == []


async def test_a_gateway_killed(rounds: Rounds, chaos_round: int) -> None:
    await survive(rounds, KillInstances("gateway-kill", instances=("gateway-1",)), chaos_round)


@pytest.mark.slow_fault
@pytest.mark.parametrize("mode", [Mode.LATENCY, Mode.DROPS, Mode.PARTITION], ids=lambda m: m.value)
async def test_a_bad_link_between_a_command_service_and_postgres(
    rounds: Rounds, chaos_round: int, mode: Mode
) -> None:
    fault = BadLink(f"postgres-link-{mode.value}", hold=8.0, instance="accounts-1", mode=mode)
    await survive(rounds, fault, chaos_round)


@pytest.mark.slow_fault
async def test_the_partition_leader_killed_five_times(rounds: Rounds, chaos_round: int) -> None:
    """`make up KAFKA_BROKERS=3` only: RF 3, min ISR 2, acks=all."""
    if len(rounds.stack.brokers) < 3:
        pytest.skip("needs three brokers: make up KAFKA_BROKERS=3")
    await survive(rounds, KillPartitionLeaders("leader-kill"), chaos_round)
