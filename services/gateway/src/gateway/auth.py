"""Who is calling: the operator key, or a tenant key checked against the key read model.

A tenant key resolves through an in-process TTL cache, then the Redis read model,
then (for a key issued a moment ago, or while Redis does not answer) the accounts
service, the source of truth, which names the tenant's plan too. A revoked key therefore
stops working within the cache TTL. The tenant's plan (for its rate limit) is read with
the key from the profile read model, so a plan change takes effect within the same TTL,
without a restart. When neither Redis nor accounts answers, the caller gets a 503
problem with Retry-After: whom the key names cannot be known.
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
import structlog
from cachetools import TTLCache
from prometheus_client import Counter

from gateway.upstreams import UpstreamPool, UpstreamUnavailableError
from tessera_common.api_keys import digest_of, tenant_of_key
from tessera_common.auth.internal_token import OPERATOR, Caller
from tessera_common.observability.metrics import record_cache_lookup
from tessera_common.problems import Problem
from tessera_common.read_documents import api_key_digest_key, tenant_profile_key
from tessera_common.redis_client import GuardedRedis, RedisUnavailableError

log = structlog.get_logger(__name__)
KEY_LOOKUPS = Counter(
    "tessera_gateway_key_lookups_total",
    "Tenant key resolutions, by the layer that answered.",
    ["layer"],
)
_NEGATIVE_TTL_SECONDS = 5.0


@dataclass(frozen=True)
class Identity:
    caller: Caller
    plan: str | None = None  # a tenant's plan; None for the operator (never rate limited)


OPERATOR_IDENTITY = Identity(OPERATOR)


@dataclass(frozen=True)
class _Verdict:
    identity: Identity | None


class Authenticator:
    def __init__(
        self,
        operator_key: str,
        redis: GuardedRedis,
        accounts: UpstreamPool,
        cache_ttl: float,
        cache_size: int,
    ) -> None:
        self._operator_key = operator_key.encode()
        self._redis = redis
        self._accounts = accounts
        self._positive: TTLCache[str, _Verdict] = TTLCache(cache_size, cache_ttl or 0.001)
        self._negative: TTLCache[str, _Verdict] = TTLCache(cache_size, _NEGATIVE_TTL_SECONDS)

    async def authenticate(self, authorization: str | None) -> Identity | None:
        """Who a bearer credential names (and their plan), or None when it names nobody."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        key = authorization.removeprefix("Bearer ").strip()
        if hmac.compare_digest(key.encode(), self._operator_key):
            return OPERATOR_IDENTITY
        return await self._tenant(key)

    async def _tenant(self, key: str) -> Identity | None:
        tenant_id = tenant_of_key(key)
        if tenant_id is None:
            return None
        digest = digest_of(key)
        cached = self._positive.get(digest) or self._negative.get(digest)
        record_cache_lookup("gateway", "l1", hit=cached is not None)
        if cached is not None:
            KEY_LOOKUPS.labels("l1").inc()
            return cached.identity
        try:
            document, profile = await self._redis.run(
                "key-lookup", partial(self._from_read_models, digest, tenant_id)
            )
        except RedisUnavailableError:
            document, profile = None, None
        record_cache_lookup("gateway", "l2", hit=document is not None and "region" in document)
        if document is None or "region" not in document:  # a doc from before regions: ask
            document = await self._from_accounts(tenant_id, digest)
            KEY_LOOKUPS.labels("accounts").inc()
        else:
            KEY_LOOKUPS.labels("redis").inc()
        identity = None
        # The profile's plan, else the one accounts names with the key; a key document
        # from the read model alone, of a tenant created a moment ago, has neither yet.
        plan = profile.get("plan") if profile else document.get("plan") if document else None
        if document and document["tenant_id"] == str(tenant_id) and not document["revoked"]:
            region = document.get("region")
            caller = Caller(
                subject=f"key:{document['key_id']}", operator=False, tenant_id=tenant_id,
                region=str(region) if region else None,
            )  # fmt: skip
            identity = Identity(caller, str(plan or "free"))  # the lowest plan until known
        if identity is None:
            self._negative[digest] = _Verdict(None)
        elif plan:  # without a plan, ask again next time rather than pin the lowest one
            self._positive[digest] = _Verdict(identity)
        return identity

    async def _from_accounts(self, tenant_id: uuid.UUID, digest: str) -> dict[str, Any] | None:
        try:
            return await self._accounts.key_state(tenant_id, digest)
        except UpstreamUnavailableError as exc:
            log.warning("key_lookup_unavailable", error=repr(exc))
            raise Problem(
                503, "key-lookup-unavailable", "Key lookup unavailable",
                "neither the key read model nor the accounts service answered; retry later",
                headers={"Retry-After": "1"},
            ) from exc  # fmt: skip

    async def _from_read_models(
        self, digest: str, tenant_id: uuid.UUID
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The key's document and its tenant's profile, in one round trip."""
        raw_key, raw_profile = await self._redis.client.mget(
            api_key_digest_key(digest), tenant_profile_key(tenant_id)
        )
        return (
            orjson.loads(raw_key) if raw_key else None,
            orjson.loads(raw_profile) if raw_profile else None,
        )
