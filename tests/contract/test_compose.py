"""`docker-compose.yml` checked statically (no Docker engine): the file, the topology,
ports, health and start order, the brokers and the Postgres servers."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from deployment import REPO
from deployment.compose import (
    ADDED_SHARD,
    ALL,
    HA_BROKERS,
    JOBS,
    OBSERVABILITY,
    POSTGRES,
    SERVICE_PORT,
    SERVICES,
    command,
    compose,
    depends_on,
    environment,
    listening_port,
    published,
    raw_environment,
    required,
    schema_errors,
    service,
    services,
)

from tessera_stack.layout import PG_PASSWORD, PG_USER
from tessera_stack.postgres import SERVER_SETTINGS
from tessera_stack.services import SERVICES as LOCAL_STACK_SERVICES

KAFKA_TEMPLATE = REPO / "infra" / "kafka" / "server.properties.template"
PUBLISHED = {"edge": SERVICE_PORT, "grafana": 3000}


def test_compose_file_follows_the_compose_specification() -> None:
    assert schema_errors(compose()) == []


BROKEN: dict[str, tuple[str, Any]] = {
    "unknown service key": ("edge", {"publish": ["8000"]}),
    "unquoted restart: no": ("migrate", {"restart": False}),
    "misspelt condition": ("gateway", {"depends_on": {"redis": {"condition": "healthy"}}}),
    "memory limit as a list": ("redis", {"deploy": {"resources": {"limits": {"memory": [1]}}}}),
}


@pytest.mark.parametrize("mutation", BROKEN.values(), ids=BROKEN.keys())
def test_the_schema_catches_a_broken_file(mutation: tuple[str, Any]) -> None:
    name, change = mutation
    broken = json.loads(json.dumps(compose()))
    broken["services"][name] |= change
    assert schema_errors(broken)


def test_every_part_of_the_topology_is_there() -> None:
    assert set(ALL) == set(services())


def test_compose_runs_every_service_of_the_local_stack() -> None:
    assert set(SERVICES) == set(LOCAL_STACK_SERVICES)


# --- ports, health and start order -------------------------------------------------------


def test_only_the_edge_and_grafana_publish_ports() -> None:
    assert {name for name in services() if published(name)} == set(PUBLISHED)


@pytest.mark.parametrize(("name", "port"), PUBLISHED.items())
def test_published_ports_bind_to_loopback_only(name: str, port: int) -> None:
    assert published(name) == [("127.0.0.1", str(port))]


@pytest.mark.parametrize("name", SERVICES)
def test_service_can_be_scaled(name: str) -> None:
    assert "container_name" not in service(name)
    assert "ports" not in service(name)


@pytest.mark.parametrize("name", ALL)
def test_dependencies_exist_and_are_waited_for(name: str) -> None:
    for target, condition in depends_on(name).items():
        assert target in services(), f"{name} depends on unknown {target}"
        if target in JOBS:
            assert condition == "service_completed_successfully", (name, target)
        else:
            assert condition == "service_healthy", (name, target)
            assert "healthcheck" in service(target), f"{target} has no healthcheck"


@pytest.mark.parametrize("name", SERVICES)
def test_service_starts_after_the_init_jobs_it_needs(name: str) -> None:
    deps = depends_on(name)
    uses_kafka = "KAFKA_BOOTSTRAP_SERVERS" in raw_environment(name)
    uses_postgres = any(k in raw_environment(name) for k in ("SHARD_SERVERS", "READ_DB_URL"))
    assert not uses_kafka or "kafka-topics" in deps, f"{name} may start before its topics exist"
    assert not uses_postgres or "migrate" in deps, f"{name} may start before its schema exists"


@pytest.mark.parametrize("name", SERVICES)
def test_service_listens_on_all_interfaces_and_probes_readyz(name: str) -> None:
    if name == "projector":
        assert environment(name)["PROJECTOR_WEB_HOST"] == "0.0.0.0"
    else:
        cmd = command(name)
        assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert listening_port(name) == SERVICE_PORT
    probe = service(name)["healthcheck"]["test"]
    assert probe[:3] == ["CMD", "python", "-c"], "the slim image has python, not curl"
    compile(probe[3], f"<{name} healthcheck>", "exec")
    assert f"http://127.0.0.1:{SERVICE_PORT}/readyz" in probe[3]


@pytest.mark.parametrize("name", JOBS)
def test_init_job_runs_once(name: str) -> None:
    assert service(name).get("restart") == "no"


@pytest.mark.parametrize("name", ALL)
def test_every_container_has_a_memory_limit(name: str) -> None:
    limit = service(name).get("deploy", {}).get("resources", {}).get("limits", {}).get("memory")
    assert re.fullmatch(r"\d+[MG]", str(limit)), f"{name}: memory limit {limit!r}"


def test_kafka_mirrors_the_local_broker() -> None:
    """The compose broker runs the local stack's server.properties, as KAFKA_* variables."""
    env = environment("kafka")
    for line in KAFKA_TEMPLATE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        variable = "KAFKA_" + key.strip().upper().replace(".", "_")
        assert variable in env, f"{key} is not set on the compose broker"
        if "${" not in value:
            assert env[variable] == value.strip(), key
    advertised = {
        urlsplit(listener).hostname for listener in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    }
    assert advertised == {"kafka"}, "clients reconnect to the advertised host"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    try:
        cluster_id = base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")
    except binascii.Error as error:
        raise AssertionError("CLUSTER_ID is not base64url") from error
    assert len(cluster_id) == 16, "a KRaft cluster id is a UUID"


@pytest.mark.parametrize("name", [*POSTGRES, ADDED_SHARD[0]])
def test_postgres_mirrors_the_local_servers(name: str) -> None:
    """Same credentials and server settings as the local stack; listening stays the image's."""
    env = environment(name)
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == (PG_USER, PG_PASSWORD)
    cmd = command(name)
    assert cmd[0] == "postgres"
    assert cmd[1::2] == ["-c"] * len(cmd[2::2]), "every server setting is a `-c key=value`"
    options = {key: value for key, _, value in (option.partition("=") for option in cmd[2::2])}
    expected = {k: v for k, v in SERVER_SETTINGS.items() if k != "listen_addresses"}
    assert options == expected


# --- the `ha` profile --------------------------------------------------------------------


def test_only_the_extra_brokers_and_the_added_shard_need_a_profile() -> None:
    """`docker compose up` runs the whole system; `--profile ha` only adds brokers, and
    `--profile shard-3` a shard server for the running system to take on."""
    profiled = {name: svc["profiles"] for name, svc in services().items() if "profiles" in svc}
    assert profiled == {
        **{name: ["ha"] for name in HA_BROKERS},
        **{name: ["shard-3"] for name in ADDED_SHARD},
    }


def test_the_added_shards_job_migrates_only_it_then_publishes_it_without_its_password() -> None:
    server, job = ADDED_SHARD
    shards = json.loads(environment(job)["SHARD_SERVERS"])
    assert list(shards) == [server]
    assert urlsplit(shards[server]).hostname == server
    script = command(job)[-1]
    migrations = ["accounts.migrate", "billing.migrate", "usage.migrate"]
    assert [m for m in re.findall(r"python -m (\S+)", script) if m in migrations] == migrations
    published = re.search(r"accounts\.topology add-shard (.*)$", script)
    assert published is not None, "the job does not publish the shard"
    assert f"--shard {server}" in published.group(1)
    url = re.search(r"--url (\S+)", published.group(1))
    assert url is not None
    assert urlsplit(url.group(1)).password is None
    assert depends_on(job)[server] == "service_healthy"


@pytest.mark.parametrize("name", HA_BROKERS)
def test_extra_broker_joins_the_single_nodes_cluster(name: str) -> None:
    env, first = environment(name), environment("kafka")
    assert env["CLUSTER_ID"] == first["CLUSTER_ID"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == first["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert service(name)["image"] == service("kafka")["image"]


def test_brokers_have_distinct_node_ids_and_volumes() -> None:
    brokers = ("kafka", *HA_BROKERS)
    assert len({environment(b)["KAFKA_NODE_ID"] for b in brokers}) == len(brokers)
    volumes = [v.split(":")[0] for b in brokers for v in service(b)["volumes"]]
    assert len(set(volumes)) == len(brokers)


def test_topics_job_waits_for_every_broker_the_profile_may_add() -> None:
    for broker in HA_BROKERS:
        assert depends_on("kafka-topics").get(broker) == "service_healthy"
        assert not required("kafka-topics", broker), "without the profile it would not start"
    assert command("kafka-topics") == ["python", "-m", "tessera_common.kafka.provisioning"]


def test_nothing_else_requires_a_profiled_broker() -> None:
    for name in services():
        for broker in set(HA_BROKERS) & set(depends_on(name)):
            assert name == "kafka-topics" or not required(name, broker), name


# --- observability and images ------------------------------------------------------------

IMAGE_OWNERS = {
    "otel-collector": "otel/opentelemetry-collector-contrib",
    "jaeger": "jaegertracing/jaeger",
    "prometheus": "prom/prometheus",
    "grafana": "grafana/grafana",
}


@pytest.mark.parametrize("name", OBSERVABILITY)
def test_observability_runs_the_official_image(name: str) -> None:
    repository, _, _tag = service(name)["image"].partition(":")
    assert repository == IMAGE_OWNERS[name]


@pytest.mark.parametrize("name", [n for n in ALL if n not in (*JOBS, *SERVICES, ADDED_SHARD[1])])
def test_third_party_images_are_pinned_to_a_version(name: str) -> None:
    _repository, _, tag = service(name)["image"].partition(":")
    # A full version (15.12, 7.4.2, v3.2.1), never a floating major like `15` or `7`.
    assert re.fullmatch(r"v?\d+(\.\d+)+", tag), f"{name}: {tag!r} is not a pinned version"


@pytest.mark.parametrize("name", ALL)
def test_bind_mounts_name_files_of_the_repository(name: str) -> None:
    for volume in service(name).get("volumes", []):
        source = volume.split(":")[0] if isinstance(volume, str) else volume["source"]
        if source.startswith("."):
            assert (REPO / source).exists(), f"{name} mounts missing {source}"
            assert str(volume).endswith(":ro"), f"{name} may write into {source}"
