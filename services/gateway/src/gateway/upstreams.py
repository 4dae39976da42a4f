"""Upstream pools: several instances of one service behind one pooled HTTP client."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Sequence

import httpx
from prometheus_client import Counter

from tessera_common.auth.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from tessera_common.auth.internal_token import Caller

UPSTREAM_FAILURES = Counter(
    "tessera_gateway_upstream_failures_total",
    "Requests an upstream instance failed to answer, by pool and reason.",
    ["pool", "reason"],
)

SignToken = Callable[[Caller], str]
GATEWAY_CALLER = Caller(subject="gateway", operator=True)


class UpstreamUnavailableError(Exception):
    def __init__(self, pool: str, reason: str) -> None:
        super().__init__(f"{pool}: {reason}")
        self.pool = pool
        self.reason = reason


class UpstreamPool:
    """Round-robin over the instances of one service; idempotent requests try the next."""

    def __init__(
        self,
        name: str,
        instances: Sequence[str],
        sign_token: SignToken,
        *,
        timeout: httpx.Timeout,
    ) -> None:
        if not instances:
            raise ValueError(f"upstream pool {name} has no instance")
        self.name = name
        self.instances = list(instances)
        self._next = itertools.cycle(range(len(self.instances)))
        self._sign = sign_token
        self._client = httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    async def send(
        self,
        method: str,
        path: str,
        *,
        query: bytes,
        headers: dict[str, str],
        body: bytes,
        idempotent: bool,
    ) -> httpx.Response:
        attempts = len(self.instances) if idempotent else 1
        last = "no attempt"
        for _ in range(attempts):
            base = self.instances[next(self._next)]
            url = f"{base}{path}" + (f"?{query.decode('latin-1')}" if query else "")
            try:
                return await self._client.request(method, url, headers=headers, content=body)
            except httpx.TimeoutException:
                last = "timeout"
                UPSTREAM_FAILURES.labels(self.name, last).inc()
                if not idempotent:
                    break
            except httpx.TransportError:
                last = "unreachable"
                UPSTREAM_FAILURES.labels(self.name, last).inc()
        raise UpstreamUnavailableError(self.name, last)

    async def key_state(self, tenant_id: uuid.UUID, digest: str) -> dict[str, object] | None:
        """Ask the accounts service for a key's state (a miss of the read model)."""
        response = await self.send(
            "GET",
            f"/internal/tenants/{tenant_id}/api-keys/{digest}",
            query=b"",
            headers={INTERNAL_TOKEN_HEADER: self._sign(GATEWAY_CALLER)},
            body=b"",
            idempotent=True,
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        document: dict[str, object] = response.json()
        return document

    async def aclose(self) -> None:
        await self._client.aclose()
