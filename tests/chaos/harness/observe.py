"""One look at every place at once: the checker's input."""

from __future__ import annotations

import httpx
from support import shard_servers

from harness import sources
from harness.ledger import Ledger
from harness.topics import PROJECTOR_GROUP, TOPICS, TopicReader
from harness.views import Observation
from tessera_common.api_keys import digest_of
from tessera_common.kafka.lag import GroupLag
from tessera_common.settings import KafkaSettings
from tessera_stack.endpoints import Endpoints


async def projector_lag(bootstrap: str) -> int:
    lag = GroupLag(KafkaSettings(bootstrap_servers=bootstrap), PROJECTOR_GROUP, list(TOPICS))
    try:
        return sum((await lag.measure()).values())
    finally:
        await lag.close()


async def observe(
    endpoints: Endpoints, http: httpx.AsyncClient, operator: dict[str, str],
    topics: TopicReader, ledger: Ledger,
) -> Observation:  # fmt: skip
    tenant_ids = sorted(ledger.tenants)
    digests = [
        digest_of(c.acked["api_key"]) for c in ledger.commands if c.kind == "key" and c.acked
    ]
    return Observation(
        shards=await sources.shard_views(await shard_servers(endpoints), tenant_ids),
        read_db=await sources.read_db_views(endpoints.read_db_url, tenant_ids),
        redis=await sources.redis_views(endpoints.redis_url, tenant_ids),
        api=await sources.api_views(http, operator, tenant_ids),
        events=await topics.events(set(tenant_ids)),
        redis_digests=await sources.redis_digests(endpoints.redis_url, digests),
        lag=await projector_lag(endpoints.kafka_bootstrap),
    )
