"""The testcontainers path, without an engine: compose's images, a layout of its own."""

from __future__ import annotations

import ast
import inspect

from deployment.compose import service

from tessera_stack import containers
from tessera_stack.containers import containers_layout
from tessera_stack.layout import StackLayout


def test_the_containers_run_compose_s_images() -> None:
    assert containers.POSTGRES_IMAGE == service("shard-0")["image"] == service("read-db")["image"]
    assert service("redis")["image"] == containers.REDIS_IMAGE
    assert service("kafka")["image"] == containers.KAFKA_IMAGE


def test_the_path_has_its_own_ports_and_run_directory() -> None:
    local, own = StackLayout(), containers_layout()
    assert set(local.ports).isdisjoint(own.ports)
    assert own.run_dir != local.run_dir
    assert own.pids_dir != local.pids_dir
    assert own.logs_dir != local.logs_dir


def test_only_the_current_testcontainers_modules_are_imported() -> None:
    """testcontainers.postgres, .redis and .kafka are deprecated for .community.*."""
    tree = ast.parse(inspect.getsource(containers))
    imported = [
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    ]
    used = [module for module in imported if module.startswith("testcontainers")]
    assert used
    assert all(m.startswith(("testcontainers.community.", "testcontainers.core.")) for m in used)
