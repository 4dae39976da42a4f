"""One service instance restarted with its Postgres links through proxies the suite controls."""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

from harness.proxy import Mode, TcpProxy
from tessera_stack.services import instances, service_process, start_instance
from tessera_stack.stack import LocalStack

PROXY_PORT_SHIFT = 200  # a proxy listens this far above the shard server it fronts


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit(":", 1)[0] + f":{port}"
    return urlunsplit(parts._replace(netloc=netloc))


class ProxiedInstance:
    """`instance` talks to every shard server through a TcpProxy; restored on exit."""

    def __init__(self, stack: LocalStack, instance: str) -> None:
        self.stack = stack
        self.instance = next(i for i in instances(stack.layout) if i.name == instance)
        self.proxies = [
            TcpProxy(shard.port + PROXY_PORT_SHIFT, shard.port) for shard in stack.layout.shards
        ]

    def set(self, mode: Mode) -> None:
        for proxy in self.proxies:
            proxy.set(mode)

    async def __aenter__(self) -> ProxiedInstance:
        for proxy in self.proxies:
            await proxy.start()
        env = self.stack.environment
        shards = {
            shard.name: _through(shard.url, shard.port + PROXY_PORT_SHIFT)
            for shard in self.stack.layout.shards
        }
        await self._restart({**env, "SHARD_SERVERS": json.dumps(shards)})
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.set(Mode.PASS)
        try:
            await self._restart(self.stack.environment)
        finally:
            for proxy in self.proxies:
                await proxy.stop()

    async def _restart(self, env: dict[str, str]) -> None:
        await asyncio.to_thread(service_process(self.stack.layout, self.instance.name).stop)
        await asyncio.to_thread(start_instance, self.stack.layout, env, self.instance)
