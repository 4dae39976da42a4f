"""Waiting until processes follow a topology version: each reports the version it follows
as `tessera_topology_version` in its metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import httpx
from prometheus_client.parser import text_string_to_metric_families

FOLLOW_TIMEOUT_SECONDS = 60.0


async def followed_by(
    urls: Iterable[str], version: int, *, timeout_seconds: float = FOLLOW_TIMEOUT_SECONDS
) -> float:
    """Seconds until every process at `urls` (base URLs) reports `version` (from now)."""
    began = time.monotonic()
    waiting = set(urls)
    async with httpx.AsyncClient(timeout=2.0) as http:
        while waiting:
            if time.monotonic() - began > timeout_seconds:
                raise TimeoutError(f"not following version {version}: {sorted(waiting)}")
            for url in list(waiting):
                if await followed_version(http, url) >= version:
                    waiting.discard(url)
            if waiting:
                await asyncio.sleep(0.05)
    return time.monotonic() - began


async def followed_version(http: httpx.AsyncClient, url: str) -> int:
    """The topology version a process reports in its metrics (0 when it does not answer)."""
    try:
        response = await http.get(f"{url}/metrics")
    except httpx.HTTPError:
        return 0
    for family in text_string_to_metric_families(response.text):
        if family.name == "tessera_topology_version":
            return int(max((sample.value for sample in family.samples), default=0))
    return 0
