"""Shared fixtures. Tests under integration/ and e2e/ need the running stack.

The stack is chosen at run time (see tessera_stack.endpoints): servers named by
environment variables, else testcontainers, else the local stack — started once
per session and stopped at the end if this session started it.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
import httpx
import pytest
from browser import find_chromium
from documented_statuses import DocumentedStatuses
from hypothesis import settings
from openapi_snapshots import public_document
from redis.asyncio import Redis
from support import Accounts, Api, Billing, Usage

from tessera_common.db.urls import asyncpg_dsn
from tessera_stack.chaos import rounds_dir
from tessera_stack.endpoints import Endpoints
from tessera_stack.infrastructure import acquire
from tessera_stack.stack import LocalStack
from tessera_stack.system import MissingDependencyError

if TYPE_CHECKING:
    from harness.rounds import Rounds

T = TypeVar("T")

# Property tests explore new examples locally; under CI they replay a fixed derivation,
# so a run is reproducible and a landing never depends on a lucky draw.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
STACK_DIRS = ("integration", "e2e", "fuzz", "chaos", "bench")
# The fault suite: `make test` runs the quick faults once; `make chaos` (CHAOS_SUITE=1) runs
# every fault CHAOS_ROUNDS times and tabulates the rounds it leaves in .run/chaos/rounds.
CHAOS_ROUNDS = int(os.environ.get("CHAOS_ROUNDS", "1"))
CHAOS_SUITE = os.environ.get("CHAOS_SUITE") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow_fault: a fault only `make chaos` runs")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "chaos_round" in metafunc.fixturenames:
        rounds = range(1, CHAOS_ROUNDS + 1)
        metafunc.parametrize("chaos_round", rounds, ids=lambda n: f"round{n}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow = pytest.mark.skip(reason="a slow fault: `make chaos` runs it")
    for item in items:
        if any(part in STACK_DIRS for part in Path(str(item.fspath)).parts):
            item.add_marker(pytest.mark.stack)
        if item.get_closest_marker("slow_fault") and not CHAOS_SUITE:
            item.add_marker(slow)
    # Fault injection last: whatever it breaks, nothing else runs after it.
    items.sort(key=lambda item: "chaos" in Path(str(item.fspath)).parts)


@pytest.fixture(scope="session")
def endpoints() -> Iterator[Endpoints]:
    found, stop = acquire()
    try:
        yield found
    finally:
        stop()


@pytest.fixture(scope="session")
async def gateway(endpoints: Endpoints) -> AsyncIterator[httpx.AsyncClient]:
    """The public API through the edge; every status it answers must be documented."""
    hooks: dict[str, list[Callable[..., Any]]] = {
        "response": [DocumentedStatuses(public_document())]
    }
    async with httpx.AsyncClient(
        base_url=endpoints.gateway_url, timeout=15.0, event_hooks=hooks
    ) as client:
        yield client


@pytest.fixture(scope="session")
def in_process_apps(endpoints: Endpoints) -> Iterator[None]:
    """Every service's app in this process, on the stack, for the fuzz tests."""
    from fuzzing import bind_to_stack  # noqa: PLC0415 - schemathesis only where it is used
    from schemathesis.python.asgi import shutdown_lifespans  # noqa: PLC0415

    bind_to_stack(endpoints)
    yield
    shutdown_lifespans()  # before the stack stops, if this session started it


@pytest.fixture(scope="session")
def chromium() -> str:
    """Headless Chromium for the pages people look at (skipped where it cannot be had)."""
    try:
        return find_chromium()
    except MissingDependencyError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def operator(endpoints: Endpoints) -> dict[str, str]:
    """Headers of the operator."""
    return {"Authorization": f"Bearer {endpoints.operator_key}"}


@pytest.fixture(scope="session")
def accounts_db(endpoints: Endpoints) -> Accounts:
    """Direct reads of the accounts shards."""
    return Accounts(endpoints)


@pytest.fixture(scope="session")
def billing_db(endpoints: Endpoints) -> Billing:
    """Direct reads of the billing shards."""
    return Billing(endpoints)


@pytest.fixture(scope="session")
def usage_db(endpoints: Endpoints) -> Usage:
    """Direct reads of the usage shards."""
    return Usage(endpoints)


@pytest.fixture(scope="session")
def api(gateway: httpx.AsyncClient, operator: dict[str, str]) -> Api:
    return Api(gateway, operator)


@pytest.fixture(scope="session")
def local_stack(endpoints: Endpoints) -> LocalStack:
    """The local stack, for tests that stop and start its servers."""
    if endpoints.source != "local":
        pytest.skip("fault injection stops servers of the local stack only")
    return LocalStack()


@pytest.fixture
async def rounds(
    local_stack: LocalStack, endpoints: Endpoints, operator: dict[str, str]
) -> AsyncIterator[Rounds]:
    """Fault rounds on the local stack, through the edge, without the documented-status
    hook: the harness records whatever a client sees instead of failing on it."""
    from harness.rounds import Rounds  # noqa: PLC0415 - tests/chaos is on the path there only

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=endpoints.gateway_url, limits=limits) as http:
        yield Rounds(local_stack, endpoints, http, operator, rounds_dir(local_stack.layout))


@pytest.fixture
async def read_db(endpoints: Endpoints) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(asyncpg_dsn(endpoints.read_db_url), min_size=1, max_size=3)
    yield pool
    await pool.close()


@pytest.fixture
async def redis(endpoints: Endpoints) -> AsyncIterator[Redis]:
    client = Redis.from_url(endpoints.redis_url)
    yield client
    await client.aclose()


Probe = Callable[[], Awaitable[T | None]]


async def eventually(probe: Probe[T], *, within: float = 15.0, interval: float = 0.05) -> T:
    """Poll `probe` until it returns something other than None (convergence, not timing)."""
    deadline = time.monotonic() + within
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"no convergence within {within}s")
        await asyncio.sleep(interval)


@pytest.fixture
def converge() -> Callable[..., Awaitable[object]]:
    return eventually
