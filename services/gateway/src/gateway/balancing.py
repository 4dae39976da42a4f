"""Instances of one upstream and how a request picks one: round-robin, least-outstanding,
or consistent hash by tenant (sticky); ejected or unhealthy instances go last."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from prometheus_client import Counter

from tessera_common.sharding.ring import ConsistentHashRing

EJECTIONS = Counter(
    "tessera_gateway_outlier_ejections_total",
    "Instances ejected after consecutive failures, by upstream pool.",
    ["upstream"],
)


class Balance(StrEnum):
    ROUND_ROBIN = "round-robin"
    LEAST_OUTSTANDING = "least-outstanding"
    TENANT_HASH = "tenant-hash"  # sticky: one tenant's requests go to one instance


@dataclass
class Instance:
    url: str
    outstanding: int = 0
    consecutive_failures: int = 0
    ejected_until: float = 0.0
    healthy: bool = True  # the last active health check's verdict

    def available(self, now: float) -> bool:
        return self.healthy and now >= self.ejected_until

    def succeeded(self) -> None:
        self.consecutive_failures = 0

    def failed(self, pool: str, threshold: int, eject_seconds: float, now: float) -> None:
        """Passive outlier detection: `threshold` failures in a row eject for a while."""
        self.consecutive_failures += 1
        if self.consecutive_failures >= threshold and now >= self.ejected_until:
            self.ejected_until = now + eject_seconds
            self.consecutive_failures = 0
            EJECTIONS.labels(pool).inc()


class Balancer:
    def __init__(self, instances: Sequence[Instance]) -> None:
        self.instances = list(instances)
        self._turn = itertools.count()

    def order(self, balance: Balance, key: str | None, now: float | None = None) -> list[Instance]:
        """Every instance, in the order to try them: the chosen one first."""
        now = time.monotonic() if now is None else now
        usable = [i for i in self.instances if i.available(now)]
        others = [i for i in self.instances if not i.available(now)]
        if not usable:
            usable, others = others, []
        first = self._choose(balance, usable, key)
        rest = [i for i in usable if i is not first]
        return [first, *rest, *others]

    def _choose(self, balance: Balance, usable: list[Instance], key: str | None) -> Instance:
        if balance is Balance.TENANT_HASH and key is not None:
            owner = _ring(tuple(sorted(i.url for i in usable))).shard_for(key)
            return next(i for i in usable if i.url == owner)
        if balance is Balance.LEAST_OUTSTANDING:
            least = min(i.outstanding for i in usable)
            tied = [i for i in usable if i.outstanding == least]
            return tied[next(self._turn) % len(tied)]
        return usable[next(self._turn) % len(usable)]


@lru_cache(maxsize=64)
def _ring(urls: tuple[str, ...]) -> ConsistentHashRing:
    return ConsistentHashRing(urls)
