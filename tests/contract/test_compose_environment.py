"""Every compose environment against the settings class of the process that reads it."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from deployment.compose import (
    CONTAINER_PORTS,
    JOBS,
    LOOPBACK,
    OTEL_VARIABLES,
    OTLP_GRPC_PORT,
    PROCESS_SETTINGS,
    PROCESSES,
    SERVICE_PORT,
    SERVICE_SETTINGS,
    SERVICES,
    addresses,
    depends_on,
    environment,
    listening_port,
    raw_environment,
    services,
    variable_defaults,
)

from gateway.routes import ROUTES
from gateway.settings import GatewaySettings
from tessera_common.settings import (
    DEFAULT_INTERNAL_TOKEN_SECRET,
    DEFAULT_OPERATOR_KEY,
    ShardSettings,
    env_names,
)

# What the init jobs cannot run without (their settings also hold what they don't use).
JOB_NEEDS: dict[str, set[str]] = {
    "kafka-topics": {"KAFKA_BOOTSTRAP_SERVERS"},
    "migrate": {"SHARD_SERVERS", "DIRECTORY_DB_URL", "READ_DB_URL"},
}


@pytest.mark.parametrize("name", PROCESSES)
def test_environment_holds_only_variables_the_settings_read(name: str) -> None:
    """The settings classes' variables, and the OpenTelemetry SDK's standard ones (allowed
    by name: no settings class reads them, the SDK does)."""
    read = set().union(*(env_names(cls) for cls in PROCESS_SETTINGS[name]))
    assert set(raw_environment(name)) - read - OTEL_VARIABLES == set()


@pytest.mark.parametrize("name", SERVICES)
def test_service_exports_telemetry_to_the_collector(name: str) -> None:
    env = environment(name)
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://otel-collector:{OTLP_GRPC_PORT}"
    assert env["OTEL_SERVICE_NAME"] == name


@pytest.mark.parametrize("name", SERVICES)
def test_service_sets_every_variable_whose_default_is_loopback(name: str) -> None:
    """In a container, 127.0.0.1 is the container itself: such defaults are unusable."""
    defaults = variable_defaults(SERVICE_SETTINGS[name])
    assert set(defaults) == env_names(SERVICE_SETTINGS[name])
    unusable = {
        key
        for key, value in defaults.items()
        if any(h in json.dumps(value, default=str) for h in LOOPBACK)
    }
    assert unusable, "the settings no longer default to loopback: revisit this test"
    assert unusable - set(raw_environment(name)) == set()


@pytest.mark.parametrize("name", JOBS)
def test_init_job_sets_what_it_needs(name: str) -> None:
    assert JOB_NEEDS[name] - set(raw_environment(name)) == set()


@pytest.mark.parametrize("name", PROCESSES)
def test_settings_load_from_the_compose_environment(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for cls in PROCESS_SETTINGS[name]:
        for variable in env_names(cls):
            monkeypatch.delenv(variable, raising=False)
    for key, value in environment(name).items():
        monkeypatch.setenv(key, value)
    loaded = json.dumps([cls().model_dump(mode="json") for cls in PROCESS_SETTINGS[name]])
    if name in SERVICES:  # the jobs' settings also hold parts they never connect to
        assert not any(host in loaded for host in LOOPBACK), loaded


@pytest.mark.parametrize("name", PROCESSES)
def test_every_address_is_a_dependency_on_its_container_port(name: str) -> None:
    found = list(addresses(environment(name)))
    assert found, f"{name} points at no server"
    for variable, host, port in found:
        assert host in services(), f"{name}: {variable} names {host}, not a compose service"
        # Telemetry must never gate a start: the exporters retry in the background.
        if variable not in OTEL_VARIABLES:
            assert host in depends_on(name), f"{name}: {variable} uses {host} without a wait"
        assert port == CONTAINER_PORTS[host], f"{name}: {variable} uses {host}:{port}"


def test_shared_variables_agree_across_services() -> None:
    seen: dict[str, dict[str, str]] = {}
    for name in PROCESSES:
        for key, value in environment(name).items():
            seen.setdefault(key, {})[name] = value
    seen.pop("SERVICE_INSTANCE", None)
    seen.pop("OTEL_SERVICE_NAME", None)
    disagreeing = {key: by for key, by in seen.items() if len(set(by.values())) > 1}
    assert disagreeing == {}


def test_shard_servers_cover_every_shard_a_region_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHARD_REGIONS", raising=False)
    monkeypatch.setenv("SHARD_SERVERS", environment("accounts")["SHARD_SERVERS"])
    settings = ShardSettings()
    named = {shard for shards in settings.regions.values() for shard in shards}
    assert named <= set(settings.servers)


@pytest.mark.parametrize(
    ("variable", "default"),
    [
        ("TESSERA_OPERATOR_KEY", DEFAULT_OPERATOR_KEY),
        ("TESSERA_INTERNAL_TOKEN_SECRET", DEFAULT_INTERNAL_TOKEN_SECRET),
    ],
)
def test_keys_come_from_the_host_with_the_development_default(variable: str, default: str) -> None:
    users = [name for name in PROCESSES if variable in raw_environment(name)]
    assert "gateway" in users
    for name in users:
        assert raw_environment(name)[variable] == f"${{{variable}:-{default}}}", name


def test_gateway_upstreams_serve_exactly_the_routing_tables_pools() -> None:
    """Every pool a route names has instances, each a compose service on its own port."""
    upstreams = GatewaySettings().proxy.upstreams  # the local stack's pools
    configured = json.loads(environment("gateway")["GATEWAY_UPSTREAMS"])
    assert set(configured) == {route.pool for route in ROUTES} == set(upstreams)
    for pool, urls in configured.items():
        # One URL per pool: compose DNS resolves it to every replica of the service.
        assert [urlsplit(url)[:2] for url in urls] == [("http", f"{pool}:{SERVICE_PORT}")]
        assert listening_port(pool) == SERVICE_PORT
