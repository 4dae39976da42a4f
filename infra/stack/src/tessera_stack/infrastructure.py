"""Where the infrastructure is, chosen at run time for tests and benchmarks.

In order: servers named by environment variables (`TESSERA_GATEWAY_URL` and the
services' own variables); else testcontainers when a Docker engine answers; else
the local stack, started once and stopped afterwards if it was not already up.
"""

from __future__ import annotations

import shutil
import subprocess

from tessera_stack.containers import start_containers
from tessera_stack.endpoints import Endpoints, Stop, from_environment, local_endpoints
from tessera_stack.stack import LocalStack


def _nothing() -> None:
    return None


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


def acquire() -> tuple[Endpoints, Stop]:
    """The endpoints to use, and how to stop whatever this call started."""
    named = from_environment()
    if named is not None:
        return named, _nothing
    if docker_engine_answers():
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
