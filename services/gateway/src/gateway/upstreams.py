"""Upstream pools: several instances of one service behind one pooled HTTP client, with
balancing, outlier ejection, a retry budget and a circuit breaker.

The client is aiohttp's: its C parser and plain keep-alive pool cost a fraction of what
httpx's AsyncClient costs per proxied request (httpx's was more than half the gateway's
CPU under load).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from prometheus_client import Counter
from yarl import URL

from gateway.balancing import Balance, Balancer, Instance
from gateway.breaker import CircuitBreaker
from gateway.retry_budget import RetryBudget
from gateway.settings import ResilienceSettings
from tessera_common.auth.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from tessera_common.auth.internal_token import Caller

UPSTREAM_FAILURES = Counter(
    "tessera_gateway_upstream_failures_total",
    "Requests an upstream instance failed to answer, by pool and reason.",
    ["pool", "reason"],
)

SignToken = Callable[[Caller], str]
GATEWAY_CALLER = Caller(subject="gateway", operator=True)


# Shorter than the upstreams' own keep-alive (uvicorn's 5 s): a connection is always
# dropped here first, never reused just as the server closes it.
KEEPALIVE_SECONDS = 4.0
# aiohttp's defaults that a proxy must not add: the client's own headers pass through.
_SKIP_AUTO_HEADERS = frozenset({"User-Agent", "Accept", "Accept-Encoding", "Content-Type"})


@dataclass(frozen=True, slots=True)
class UpstreamResponse:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]  # as received, names in their case
    content: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None

    def json(self) -> Any:
        return orjson.loads(self.content)


class UpstreamUnavailableError(Exception):
    def __init__(self, pool: str, reason: str, retry_after: float = 1.0) -> None:
        super().__init__(f"{pool}: {reason}")
        self.pool = pool
        self.reason = reason
        self.retry_after = retry_after


class UpstreamPool:
    def __init__(
        self,
        name: str,
        urls: Sequence[str],
        sign_token: SignToken,
        *,
        timeout: aiohttp.ClientTimeout,
        resilience: ResilienceSettings,
    ) -> None:
        if not urls:
            raise ValueError(f"upstream pool {name} has no instance")
        self.name = name
        self.balancer = Balancer([Instance(url) for url in urls])
        self.breaker = CircuitBreaker(
            name, resilience.breaker_failures, resilience.breaker_open_seconds
        )
        self.budget = RetryBudget(
            name,
            resilience.retry_budget_ratio,
            resilience.retry_budget_window_seconds,
            resilience.retry_budget_min_retries,
        )
        self._resilience = resilience
        self._sign = sign_token
        self._timeout = timeout
        # Made inside the running loop (the app's lifespan), as aiohttp requires.
        self._client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=200, limit_per_host=100, keepalive_timeout=KEEPALIVE_SECONDS
            ),
            timeout=timeout,
            auto_decompress=False,  # bodies pass through as the upstream encoded them
            skip_auto_headers=_SKIP_AUTO_HEADERS,
        )

    @property
    def instances(self) -> list[Instance]:
        return self.balancer.instances

    async def send(
        self,
        method: str,
        path: str,
        *,
        query: bytes,
        headers: dict[str, str],
        body: bytes,
        idempotent: bool,
        balance: Balance = Balance.ROUND_ROBIN,
        key: str | None = None,
    ) -> UpstreamResponse:
        """The first answer of an instance; UpstreamUnavailableError when none answers."""
        if not self.breaker.allow():
            raise UpstreamUnavailableError(self.name, "circuit open", self.breaker.retry_after())
        self.budget.record_request()
        suffix = f"?{query.decode('latin-1')}" if query else ""  # as sent: still encoded
        last = "no attempt"
        for attempt, instance in enumerate(self.balancer.order(balance, key)):
            if attempt and not self.budget.try_spend():
                break
            instance.outstanding += 1
            try:
                response = await self._request(
                    method, f"{instance.url}{path}{suffix}", headers, body
                )
            except (aiohttp.ClientError, TimeoutError) as exc:
                last = "timeout" if isinstance(exc, TimeoutError) else "unreachable"
                UPSTREAM_FAILURES.labels(self.name, last).inc()
                instance.failed(
                    self.name,
                    self._resilience.eject_after_failures,
                    self._resilience.eject_seconds,
                    time.monotonic(),
                )
                # A refused connection sent nothing: safe to try elsewhere, whatever the method.
                if not idempotent and not isinstance(exc, aiohttp.ClientConnectorError):
                    break
                continue
            finally:
                instance.outstanding -= 1
            instance.succeeded()
            self.breaker.record_success()
            return response
        self.breaker.record_failure()
        raise UpstreamUnavailableError(self.name, last)

    async def _request(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> UpstreamResponse:
        async with self._client.request(
            method, URL(url, encoded=True), headers=headers, data=body or None
        ) as response:
            content = await response.read()
            return UpstreamResponse(response.status, tuple(response.raw_headers), content)

    async def probe(self, instance: Instance) -> None:
        """Active health check: the instance's /readyz decides whether it takes traffic."""
        try:
            async with self._client.get(
                f"{instance.url}/readyz", timeout=aiohttp.ClientTimeout(total=1.0)
            ) as response:
                await response.read()
                instance.healthy = response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            instance.healthy = False

    async def key_state(self, tenant_id: uuid.UUID, digest: str) -> dict[str, Any] | None:
        """Ask the accounts service for a key's state (a miss of the read model)."""
        response = await self.send(
            "GET",
            f"/internal/tenants/{tenant_id}/api-keys/{digest}",
            query=b"",
            headers={INTERNAL_TOKEN_HEADER: self._sign(GATEWAY_CALLER)},
            body=b"",
            idempotent=True,
        )
        if response.status == 404:
            return None
        if response.status != 200:
            raise UpstreamUnavailableError(self.name, f"key lookup answered {response.status}")
        document: dict[str, Any] = response.json()
        return document

    async def post_json(self, path: str, payload: object, caller: Caller) -> UpstreamResponse:
        """A call of the gateway's own (metering) with a token for `caller`."""
        return await self.send(
            "POST",
            path,
            query=b"",
            headers={"content-type": "application/json", INTERNAL_TOKEN_HEADER: self._sign(caller)},
            body=orjson.dumps(payload),
            idempotent=True,  # the records' event ids make a resend a no-op
        )

    async def aclose(self) -> None:
        await self._client.close()
