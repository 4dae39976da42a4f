"""Redis for the local stack, from Debian's `redis-server`."""

from __future__ import annotations

import redis

from tessera_stack.layout import HOST, StackLayout
from tessera_stack.processes import ManagedProcess
from tessera_stack.waiting import wait_until


class RedisServer:
    def __init__(self, layout: StackLayout) -> None:
        self.layout = layout
        self.data_dir = layout.run_dir / "redis"
        self.process = ManagedProcess(
            "redis", layout.pids_dir / "redis.pid", layout.logs_dir / "redis.log"
        )

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            "redis-server",
            "--bind",
            HOST,
            "--port",
            str(self.layout.redis_port),
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--maxmemory",
            "512mb",
            "--maxmemory-policy",
            "noeviction",
            "--daemonize",
            "no",
        ]
        self.process.start(command, env={})
        wait_until(
            self.answers,
            "redis",
            timeout=20,
            alive=self.process.running,
            log_file=self.process.log_file,
        )

    def answers(self) -> bool:
        try:
            return bool(
                redis.Redis(host=HOST, port=self.layout.redis_port, socket_timeout=1).ping()
            )
        except redis.RedisError:
            return False
