"""The testcontainers path, run for real where a Docker engine answers.

Here (no engine) it is skipped with the reason; `-ra` prints it. With an engine, the tests
choose this path themselves (tessera_stack.endpoints), so the session already runs on it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tessera_stack.containers import containers_layout, start_containers
from tessera_stack.endpoints import Endpoints
from tessera_stack.infrastructure import docker_engine_answers
from tessera_stack.layout import StackLayout
from tessera_stack.services import instances, service_process

pytestmark = pytest.mark.skipif(
    not docker_engine_answers(),
    reason="no Docker engine answers (`docker info` fails): the testcontainers path "
    "runs only where one does",
)


@pytest.fixture(scope="module")
def on_containers(endpoints: Endpoints) -> Iterator[Endpoints]:
    """The session's endpoints when they are containers, else a run of the path of its own."""
    if endpoints.source == "testcontainers":
        yield endpoints
        return
    started, stop = start_containers()
    try:
        yield started
    finally:
        stop()


def test_the_api_answers_through_the_containers_edge(on_containers: Endpoints) -> None:
    assert on_containers.gateway_url == containers_layout().public_url
    plans = httpx.get(f"{on_containers.gateway_url}/v1/plans", timeout=10)
    assert plans.status_code == 200
    assert "127.0.0.1" in on_containers.kafka_bootstrap


def test_its_processes_live_in_their_own_layout(on_containers: Endpoints) -> None:
    own, local = containers_layout(), StackLayout()
    for instance in instances(own):
        assert service_process(own, instance.name).running(), instance.name
    assert set(own.ports).isdisjoint(local.ports)
    assert own.pids_dir != local.pids_dir
