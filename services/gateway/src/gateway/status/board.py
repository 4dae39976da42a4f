"""The status board: one snapshot of the whole system, shared by every viewer for a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client import generate_latest

from gateway.status import probes
from gateway.status.settings import StatusSettings
from tessera_common.observability.exposition import Scrape
from tessera_common.observability.kpis import report
from tessera_common.redis_client import create_redis
from tessera_common.settings import RedisSettings
from tessera_common.timestamps import rfc3339

SNAPSHOT_TTL_SECONDS = 1.0


class StatusBoard:
    def __init__(
        self,
        settings: StatusSettings,
        upstreams: Mapping[str, Sequence[str]],
        redis: RedisSettings,
    ) -> None:
        self._settings = settings
        projector = {"projector": [settings.projector_url]} if settings.projector_url else {}
        self._services = {**upstreams, **projector}
        self._redis_settings = redis
        self._client: httpx.AsyncClient | None = None
        self._lock = asyncio.Lock()
        self._snapshot: tuple[float, dict[str, Any]] | None = None

    async def snapshot(self) -> dict[str, Any]:
        """The latest snapshot, taken afresh when older than a second."""
        async with self._lock:
            if (
                self._snapshot is None
                or time.monotonic() - self._snapshot[0] > SNAPSHOT_TTL_SECONDS
            ):
                self._snapshot = (time.monotonic(), await self._take())
            return self._snapshot[1]

    async def _take(self) -> dict[str, Any]:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=probes.PROBE_TIMEOUT_SECONDS)
        components, shard_map, scrape = await asyncio.gather(
            self._components(self._client), self._shard_map(), self._scrape(self._client)
        )
        return {
            "generated_at": rfc3339(datetime.now(UTC).replace(microsecond=0)),
            "refresh_seconds": self._settings.refresh_seconds,
            "components": components,
            "shard_map": shard_map,
            **report(scrape),
        }

    async def _components(self, client: httpx.AsyncClient) -> list[dict[str, str]]:
        settings = self._settings
        checks: list[tuple[str, str, str, Any]] = [
            (name, "service", url, probes.service_state(client, url))
            for name, urls in self._services.items()
            for url in urls
        ]
        checks += [
            (name, "postgres", url, probes.postgres_state(url))
            for name, url in sorted(settings.postgres.items())
        ]
        redis = create_redis(self._redis_settings)
        checks.append(("redis", "redis", self._redis_settings.url, probes.redis_state(redis)))
        if kafka := settings.kafka_bootstrap_servers:
            checks.append(("kafka", "kafka", f"kafka://{kafka}", probes.kafka_state(kafka)))
        try:
            states = await asyncio.gather(*(check for *_, check in checks))
        finally:
            await redis.aclose()
        rows = [{"name": "gateway", "kind": "service", "address": "self", "state": "ready"}]
        rows += [
            {"name": name, "kind": kind, "address": probes.address_of(url), "state": state}
            for (name, kind, url, _), state in zip(checks, states, strict=True)
        ]
        return rows

    async def _shard_map(self) -> dict[str, Any]:
        regions = self._settings.regions
        shards = sorted({shard for names in regions.values() for shard in names})
        tenants: dict[str, int | None] = dict.fromkeys(shards)
        if self._settings.directory_db_url:
            tenants = await probes.tenants_per_shard(self._settings.directory_db_url, shards)
        return {"regions": regions, "tenants": tenants}

    async def _scrape(self, client: httpx.AsyncClient) -> Scrape:
        """This process's metrics and every other service's."""
        urls = [url for urls in self._services.values() for url in urls]
        pages = await asyncio.gather(
            *(client.get(f"{url}/metrics") for url in urls), return_exceptions=True
        )
        texts = [generate_latest().decode()]
        texts += [p.text for p in pages if isinstance(p, httpx.Response) and p.status_code == 200]
        return Scrape.parse(*texts)
