"""Where the infrastructure is, chosen at run time for tests and benchmarks.

In order: servers named by environment variables (`TESSERA_GATEWAY_URL` and the
services' own variables); else testcontainers when a Docker engine answers; else
the local stack, started once and stopped afterwards if it was not already up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from tessera_common.settings import DEFAULT_OPERATOR_KEY
from tessera_stack.stack import LocalStack


@dataclass(frozen=True)
class Endpoints:
    source: str  # "environment", "testcontainers" or "local"
    gateway_url: str
    operator_key: str
    shard_servers: dict[str, str]
    read_db_url: str
    directory_db_url: str
    redis_url: str
    kafka_bootstrap: str
    # pool -> its instances' URLs: what an in-process gateway proxies to
    upstreams: dict[str, list[str]]


Stop = Callable[[], None]


def _nothing() -> None:
    return None


def from_environment() -> Endpoints | None:
    gateway = os.environ.get("TESSERA_GATEWAY_URL")
    if not gateway:
        return None
    env = os.environ
    return Endpoints(
        source="environment",
        gateway_url=gateway.rstrip("/"),
        operator_key=env.get("TESSERA_OPERATOR_KEY", DEFAULT_OPERATOR_KEY),
        shard_servers=json.loads(env["SHARD_SERVERS"]),
        read_db_url=env["READ_DB_URL"],
        directory_db_url=env["DIRECTORY_DB_URL"],
        redis_url=env["REDIS_URL"],
        kafka_bootstrap=env["KAFKA_BOOTSTRAP_SERVERS"],
        upstreams=json.loads(env.get("GATEWAY_UPSTREAMS", "{}")),
    )


def docker_engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return probe.returncode == 0


def local_endpoints(stack: LocalStack) -> Endpoints:
    env = stack.environment
    return Endpoints(
        source="local",
        gateway_url=stack.layout.public_url,
        operator_key=env["TESSERA_OPERATOR_KEY"],
        shard_servers=json.loads(env["SHARD_SERVERS"]),
        read_db_url=env["READ_DB_URL"],
        directory_db_url=env["DIRECTORY_DB_URL"],
        redis_url=env["REDIS_URL"],
        kafka_bootstrap=env["KAFKA_BOOTSTRAP_SERVERS"],
        upstreams=json.loads(env["GATEWAY_UPSTREAMS"]),
    )


def acquire() -> tuple[Endpoints, Stop]:
    """The endpoints to use, and how to stop whatever this call started."""
    named = from_environment()
    if named is not None:
        return named, _nothing
    if docker_engine_answers():
        from tessera_stack.containers import start_containers  # noqa: PLC0415

        return start_containers()
    stack = LocalStack()
    states = [state for _, _, state in stack.status()]
    if all(state == "up" for state in states):
        return local_endpoints(stack), _nothing
    if any(state == "up" for state in states):
        # Partly running: heal it (`up` starts only what is missing) and leave it running,
        # as it was found; stopping it would also stop what was running before.
        stack.up()
        return local_endpoints(stack), _nothing
    try:
        stack.up()
    except BaseException:
        stack.down()
        raise
    return local_endpoints(stack), stack.down
