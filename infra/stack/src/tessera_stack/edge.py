"""The edge for the local stack: Debian's NGINX as a managed process, config in .run/edge."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tessera_stack.layout import HOST, REPO_ROOT, StackLayout
from tessera_stack.processes import ManagedProcess
from tessera_stack.system import is_root
from tessera_stack.waiting import http_ok, wait_until

TEMPLATE = REPO_ROOT / "infra" / "edge" / "nginx.conf.template"
NGINX = "/usr/sbin/nginx"
# A gateway that fails twice is skipped for 10 s, then tried again.
SERVER_OPTIONS = "max_fails=2 fail_timeout=10s"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def render(values: Mapping[str, str]) -> str:
    """The template with every {{name}} replaced; a missing value is an error."""
    return _PLACEHOLDER.sub(lambda found: values[found.group(1)], TEMPLATE.read_text())


def server_lines(addresses: Iterable[str], *, resolve: bool = False) -> str:
    """`server` lines of an upstream block; `resolve` re-resolves each name while running."""
    options = f"resolve {SERVER_OPTIONS}" if resolve else SERVER_OPTIONS
    return "\n".join(f"        server {address} {options};" for address in addresses)


@dataclass(frozen=True)
class CacheStatistics:
    hits: int
    misses: int  # everything looked up and not served from the cache (MISS, EXPIRED, ...)

    @property
    def ratio(self) -> float:
        looked_up = self.hits + self.misses
        return self.hits / looked_up if looked_up else 0.0


def cache_statistics(access_log: Path, uri_prefix: str = "") -> CacheStatistics:
    """Hits and misses of the edge cache, from its JSON access log."""
    hits = misses = 0
    if access_log.exists():
        for line in access_log.read_text(errors="replace").splitlines():
            entry = json.loads(line)
            # BYPASS: a keyed request, which the cache never looks up.
            if not entry["uri"].startswith(uri_prefix) or entry["cache"] in ("", "BYPASS"):
                continue
            if entry["cache"] in ("HIT", "REVALIDATED", "STALE", "UPDATING"):
                hits += 1
            else:
                misses += 1
    return CacheStatistics(hits, misses)


class EdgeServer:
    def __init__(self, layout: StackLayout) -> None:
        self.layout = layout
        self.dir = layout.run_dir / "edge"
        self.config = self.dir / "nginx.conf"
        self.access_log = layout.logs_dir / "edge-access.log"
        self.process = ManagedProcess(
            "edge", layout.pids_dir / "edge.pid", layout.logs_dir / "edge.log"
        )

    def render_config(self) -> bool:
        """Write the config (and check that it loads); True when it changed."""
        before = self.config.read_text() if self.config.exists() else None
        for sub in ("cache", "temp"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
            if is_root():  # the workers run as www-data and write the cache
                shutil.chown(self.dir / sub, "www-data", "www-data")
        gateways = [f"{HOST}:{port}" for port in self.layout.instance_ports["gateway"]]
        self.config.write_text(
            render(
                {
                    "user": "user www-data;" if is_root() else "",
                    "pid": str(self.dir / "nginx.pid"),
                    "error_log": "stderr",
                    "access_log": str(self.access_log),
                    "temp_dir": str(self.dir / "temp"),
                    "cache_dir": str(self.dir / "cache"),
                    "listen": f"{HOST}:{self.layout.edge_port}",
                    "internal_listen": f"{HOST}:{self.layout.edge_internal_port}",
                    "resolver": "",  # fixed loopback addresses (and Debian 12's NGINX 1.22
                    # has no `resolve`)
                    "gateways": server_lines(gateways),
                }
            )
        )
        check = subprocess.run(self._nginx("-t", "-q"), check=False, capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"the edge config does not load:\n{check.stderr}")
        return self.config.read_text() != before

    def reload(self) -> None:
        """Let the running NGINX take the rendered config (no connection is dropped)."""
        subprocess.run(self._nginx("-s", "reload"), check=True, capture_output=True)

    def start(self) -> None:
        self.process.start([*self._nginx("-g", "daemon off;")], env={})
        wait_until(
            self.answers, "edge", timeout=20, alive=self.process.running,
            log_file=self.process.log_file,
        )  # fmt: skip

    def answers(self) -> bool:
        return http_ok(f"{self.layout.edge_internal_url}/edge/status")

    def _nginx(self, *args: str) -> list[str]:
        return [NGINX, "-e", "stderr", "-p", str(self.dir), "-c", str(self.config), *args]


COMPOSE_CONFIG = REPO_ROOT / "infra" / "edge" / "nginx.conf"
COMPOSE_INTERNAL_PORT = 8081  # not published: the compose network only


def compose_config() -> str:
    """The template rendered for docker-compose.yml's official nginx image."""
    return render(
        {
            "user": "user nginx;",
            "pid": "/var/run/nginx.pid",
            "error_log": "stderr",
            "access_log": "/dev/stdout",
            "temp_dir": "/var/cache/nginx",
            "cache_dir": "/var/cache/nginx/edge",
            "listen": "8000",
            "internal_listen": f"{COMPOSE_INTERNAL_PORT}",
            # Docker's DNS answers with every gateway replica, each a peer; `resolve` (NGINX
            # 1.27.3 and later) asks again every 10 s, so a scaled or restarted replica is found.
            "resolver": "    resolver 127.0.0.11 valid=10s ipv6=off;",
            "gateways": server_lines(["gateway:8000"], resolve=True),
        }
    )


if __name__ == "__main__":  # `make contracts`: rewrite the compose edge's config
    COMPOSE_CONFIG.write_text(compose_config())
