"""What the machine must provide, installed from Debian's packages when it is missing."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tessera_stack.progress import step

# command -> Debian package that provides it
REQUIRED_COMMANDS = {
    "redis-server": "redis-server",
    "java": "openjdk-17-jre-headless",
    "mvn": "maven",
    "nginx": "nginx",  # the edge
    "prometheus": "prometheus",  # scrapes every process, evaluates the alert rules
    "promtool": "prometheus",
}
_apt_updated = False


class MissingDependencyError(RuntimeError):
    pass


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(packages: Sequence[str]) -> None:
    global _apt_updated  # noqa: PLW0603 - one apt-get update per process
    if not is_root():
        raise MissingDependencyError(
            f"missing {', '.join(packages)}: install them (apt-get install {' '.join(packages)})"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        _apt_updated = True
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def postgres_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("postgres")
    return Path(found).resolve().parent if found else None


def ensure_system_dependencies() -> Path:
    """Install whatever is missing; returns the PostgreSQL bin directory."""
    missing = sorted({pkg for cmd, pkg in REQUIRED_COMMANDS.items() if not shutil.which(cmd)})
    if postgres_bindir() is None:
        missing.append("postgresql")
    if missing:
        with step(f"installing {', '.join(missing)}"):
            apt_install(missing)
    bindir = postgres_bindir()
    if bindir is None:
        raise MissingDependencyError("PostgreSQL server binaries not found after install")
    return bindir


def as_postgres(command: Sequence[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
    if is_root():
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


def chown_to_postgres(path: Path) -> None:
    if is_root():
        shutil.chown(path, "postgres", "postgres")


def postgres_can_use(path: Path) -> bool:
    """Whether the `postgres` user can reach and write `path`."""
    if not is_root():
        return os.access(path, os.W_OK | os.X_OK)
    probe = subprocess.run(
        as_postgres(["test", "-w", str(path), "-a", "-x", str(path)]), check=False
    )
    return probe.returncode == 0
