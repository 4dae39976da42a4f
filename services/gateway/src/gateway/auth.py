"""Who is calling: the operator key, or a tenant key checked against the key read model.

A tenant key resolves through an in-process TTL cache, then the Redis read model,
then (for a key issued a moment ago) the accounts service, the source of truth.
A revoked key therefore stops working within the cache TTL.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import orjson
from cachetools import TTLCache
from prometheus_client import Counter
from redis.asyncio import Redis

from gateway.upstreams import UpstreamPool
from tessera_common.api_keys import digest_of, tenant_of_key
from tessera_common.auth.internal_token import OPERATOR, Caller
from tessera_common.observability.metrics import record_cache_lookup
from tessera_common.read_models import api_key_digest_key

KEY_LOOKUPS = Counter(
    "tessera_gateway_key_lookups_total",
    "Tenant key resolutions, by the layer that answered.",
    ["layer"],
)
_NEGATIVE_TTL_SECONDS = 5.0


@dataclass(frozen=True)
class _Verdict:
    caller: Caller | None


class Authenticator:
    def __init__(
        self,
        operator_key: str,
        redis: Redis,
        accounts: UpstreamPool,
        cache_ttl: float,
        cache_size: int,
    ) -> None:
        self._operator_key = operator_key.encode()
        self._redis = redis
        self._accounts = accounts
        self._positive: TTLCache[str, _Verdict] = TTLCache(cache_size, cache_ttl or 0.001)
        self._negative: TTLCache[str, _Verdict] = TTLCache(cache_size, _NEGATIVE_TTL_SECONDS)

    async def authenticate(self, authorization: str | None) -> Caller | None:
        """The caller a bearer credential names, or None when it names nobody."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        key = authorization.removeprefix("Bearer ").strip()
        if hmac.compare_digest(key.encode(), self._operator_key):
            return OPERATOR
        return await self._tenant_caller(key)

    async def _tenant_caller(self, key: str) -> Caller | None:
        tenant_id = tenant_of_key(key)
        if tenant_id is None:
            return None
        digest = digest_of(key)
        cached = self._positive.get(digest) or self._negative.get(digest)
        record_cache_lookup("gateway", "l1", hit=cached is not None)
        if cached is not None:
            KEY_LOOKUPS.labels("l1").inc()
            return cached.caller
        document = await self._from_read_model(digest)
        record_cache_lookup("gateway", "l2", hit=document is not None and "region" in document)
        if document is None or "region" not in document:  # a doc from before regions: ask
            document = await self._accounts.key_state(tenant_id, digest)
            KEY_LOOKUPS.labels("accounts").inc()
        else:
            KEY_LOOKUPS.labels("redis").inc()
        caller = None
        if document and document["tenant_id"] == str(tenant_id) and not document["revoked"]:
            region = document.get("region")
            caller = Caller(
                subject=f"key:{document['key_id']}", operator=False, tenant_id=tenant_id,
                region=str(region) if region else None,
            )  # fmt: skip
        (self._positive if caller else self._negative)[digest] = _Verdict(caller)
        return caller

    async def _from_read_model(self, digest: str) -> dict[str, object] | None:
        raw = await self._redis.get(api_key_digest_key(digest))
        if raw is None:
            return None
        document: dict[str, object] = orjson.loads(raw)
        return document
