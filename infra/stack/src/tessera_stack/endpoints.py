"""Where the infrastructure is: its addresses, named by the environment or read from the
local stack. Which of them a run uses is `tessera_stack.infrastructure`'s choice."""

from __future__ import annotations

import json
import os
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
