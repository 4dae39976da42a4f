"""PostgreSQL servers of the local stack: one data directory and port each, run as `postgres`."""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path

from tessera_stack.layout import HOST, PG_PASSWORD, PG_USER, PostgresServer, StackLayout
from tessera_stack.system import as_postgres, chown_to_postgres, postgres_can_use
from tessera_stack.waiting import wait_until

# Small, explicit settings: four servers must fit beside Kafka on a 2-core machine.
SERVER_SETTINGS = {
    "listen_addresses": HOST,
    "shared_buffers": "64MB",
    "max_connections": "200",
    "work_mem": "4MB",
    "max_wal_size": "256MB",
    "wal_level": "replica",
    "log_min_duration_statement": "500",
    "log_line_prefix": "%m [%p] %d ",
}
CONF_INCLUDE = "tessera.conf"


class PostgresCluster:
    """One PostgreSQL server (a "cluster" in PostgreSQL's words)."""

    def __init__(self, layout: StackLayout, server: PostgresServer, bindir: Path) -> None:
        self.server = server
        self._bindir = bindir
        self._base = _data_root(layout)
        self.data_dir = self._base / server.name
        self.socket_dir = self._base / "sockets"
        self.log_file = layout.logs_dir / f"postgres-{server.name}.log"

    def _tool(self, name: str) -> str:
        return str(self._bindir / name)

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        for path in (self._base, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            chown_to_postgres(path)
        with tempfile.NamedTemporaryFile("w", dir=self._base, delete=False) as pwfile:
            pwfile.write(PG_PASSWORD)
        chown_to_postgres(Path(pwfile.name))
        try:
            subprocess.run(
                as_postgres(
                    [
                        self._tool("initdb"),
                        "-D",
                        str(self.data_dir),
                        "-U",
                        "postgres",
                        "--auth-local=trust",
                        "--auth-host=scram-sha-256",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                        f"--pwfile={pwfile.name}",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        finally:
            Path(pwfile.name).unlink(missing_ok=True)
        with (self.data_dir / "postgresql.conf").open("a") as handle:
            handle.write(f"\n# Tessera local stack\ninclude_if_exists '{CONF_INCLUDE}'\n")

    def write_settings(self) -> None:
        """The server's settings, rewritten at every start (the data dir may outlive a port)."""
        settings = {
            **SERVER_SETTINGS,
            "port": str(self.server.port),
            "unix_socket_directories": str(self.socket_dir),
        }
        conf = self.data_dir / CONF_INCLUDE
        conf.write_text("".join(f"{key} = '{value}'\n" for key, value in settings.items()))
        chown_to_postgres(conf)

    def running(self) -> bool:
        if not self.initialised():
            return False
        status = subprocess.run(
            as_postgres([self._tool("pg_ctl"), "-D", str(self.data_dir), "status"]),
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.touch()
        chown_to_postgres(self.log_file)
        self.write_settings()
        subprocess.run(
            as_postgres(
                [
                    self._tool("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wait_until(self.accepts, f"postgres {self.server.name}", timeout=30, log_file=self.log_file)

    def pid(self) -> int | None:
        """The postmaster's pid while the server runs (from its postmaster.pid)."""
        if not self.running():
            return None
        return int((self.data_dir / "postmaster.pid").read_text().split()[0])

    def accepts(self) -> bool:
        probe = subprocess.run(
            [self._tool("pg_isready"), "-h", HOST, "-p", str(self.server.port), "-q"],
            check=False,
        )
        return probe.returncode == 0

    def ensure_role(self) -> None:
        sql = (
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PG_USER}') THEN "
            f"CREATE ROLE {PG_USER} LOGIN CREATEDB PASSWORD '{PG_PASSWORD}'; END IF; END $$;"
        )
        self.psql(sql)

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            as_postgres(
                [
                    self._tool("psql"),
                    "-h",
                    str(self.socket_dir),
                    "-p",
                    str(self.server.port),
                    "-U",
                    "postgres",
                    "-d",
                    database,
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-qAtc",
                    sql,
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def stop(self, mode: str = "fast") -> bool:
        if not self.running():
            return False
        subprocess.run(
            as_postgres(
                [
                    self._tool("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-m",
                    mode,
                    "-w",
                    "stop",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return True


def _data_root(layout: StackLayout) -> Path:
    """`.run/pg`, or a folder under /var/tmp when `postgres` cannot reach the checkout."""
    preferred = layout.run_dir / "pg"
    if preferred.is_symlink():
        return preferred.resolve()
    preferred.mkdir(parents=True, exist_ok=True)
    chown_to_postgres(preferred)
    if postgres_can_use(preferred):
        return preferred
    preferred.rmdir()
    digest = hashlib.sha256(str(layout.root).encode()).hexdigest()[:10]
    fallback = Path("/var/tmp") / f"tessera-pg-{digest}"
    fallback.mkdir(parents=True, exist_ok=True)
    chown_to_postgres(fallback)
    preferred.symlink_to(fallback, target_is_directory=True)
    return fallback
