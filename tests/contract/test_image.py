"""The project image and what every Python container runs, checked without an engine."""

from __future__ import annotations

import re

import pytest
from deployment import REPO
from deployment.compose import PYTHON_PROCESSES, command, service
from deployment.image import (
    DOCKERFILE,
    DOCKERIGNORE,
    defines,
    dockerfile_instructions,
    entrypoints,
    final_stage,
    ignores,
    locked_closure,
    module_tree,
    runs_as_main,
    workspace_members,
)

from tessera_stack.migrations import MODULES


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
    assert len(set(stages)) == 1, stages
    assert re.fullmatch(r"python:3\.11\.\d+-slim", stages[0]), "a pinned 3.11 patch release"


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
        assert {"--frozen", "--no-dev", "$TESSERA_PACKAGES"} <= set(sync.split()), sync
        assert "--all-packages" not in sync, "the stack runner has no place in the image"
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


def test_dockerfile_copies_the_lock_and_every_workspace_member() -> None:
    sources = []
    for keyword, rest in dockerfile_instructions():
        if keyword == "COPY" and "--from" not in rest:
            sources += [s.rstrip("/") for s in rest.split()[:-1] if not s.startswith("--")]
    needed = ["pyproject.toml", "uv.lock", *workspace_members()]
    missing = [p for p in needed if not any(p == s or p.startswith(f"{s}/") for s in sources)]
    assert missing == []


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
    assert [module for module, _ in entrypoints(command("migrate"))] == list(MODULES)
    assert " && ".join(f"python -m {m}" for m in MODULES) in command("migrate")[-1]


def image_packages() -> list[str]:
    """The workspace packages the image syncs (TESSERA_PACKAGES in the Dockerfile)."""
    env = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "ENV")
    found = re.search(r'TESSERA_PACKAGES="([^"]*)"', env)
    assert found is not None
    return re.findall(r"--package (\S+)", found.group(1))


def test_the_image_syncs_every_process_and_nothing_of_the_stack_runner() -> None:
    assert set(image_packages()) == {
        "accounts",
        "billing",
        "usage",
        "query",
        "projector",
        "gateway",
    }
    installed = locked_closure(image_packages())
    for unwanted in ("tessera-stack", "typer", "testcontainers", "docker", "pytest", "hypothesis"):
        assert unwanted not in installed, unwanted
    assert {"tessera-common", "fastapi", "faust-streaming", "fastapi-offline"} <= installed
