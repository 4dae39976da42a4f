"""The project image read as data: the Dockerfile, its build context, what commands run."""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from deployment import REPO

DOCKERFILE = REPO / "infra" / "docker" / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


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


def ignores(pattern: str, path: str) -> bool:
    """Whether a .dockerignore line matches a path (anchored at the root unless `**/`)."""
    parts = path.split("/")
    if pattern.startswith("**/"):
        return any(ignores(pattern[3:], "/".join(parts[i:])) for i in range(len(parts)))
    pieces = pattern.rstrip("/").split("/")
    return len(parts) >= len(pieces) and all(map(fnmatch.fnmatchcase, parts, pieces))


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


def locked_closure(packages: list[str]) -> set[str]:
    """Every package uv.lock installs for these (their dependencies, not dev groups)."""
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    by_name = {package["name"]: package for package in lock["package"]}
    found: set[str] = set()
    pending = list(packages)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        for dependency in by_name[name].get("dependencies", []):
            pending.append(dependency["name"])
            # An extra asked for (testcontainers[kafka]) brings the dependency's optional ones.
            optional = by_name[dependency["name"]].get("optional-dependencies", {})
            for extra in dependency.get("extra", []):
                pending += [d["name"] for d in optional.get(extra, [])]
    return found
