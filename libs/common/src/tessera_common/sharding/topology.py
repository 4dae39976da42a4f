"""The shard topology: which shard servers exist, where each region's new tenants are placed,
and which shards make up the billing ring. Versioned: every change is a new version.

The billing ring grows in three versions: `growing` (the wider ring is named; each tenant
it reassigns stays where it is until its billing rows are moved, and is then placed by an
override), `sealed` (a reassigned tenant not yet moved is refused for a moment: the tenants
billing met since the sweep began are moved too) and `grown` (the wider ring is the ring).

The directory database keeps every version; services follow the newest. A server is named
by its address without a password: credentials stay in each service's own environment.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from tessera_common.sharding.geo import RegionShardGroups
from tessera_common.sharding.ring import ConsistentHashRing
from tessera_common.vocabulary import Region


class TopologyError(ValueError):
    """A topology that names shards it does not have, or a change it cannot take."""


@dataclass(frozen=True)
class ShardTopology:
    version: int
    servers: Mapping[str, str]  # shard -> its server's address
    regions: RegionShardGroups  # region -> the shards its new tenants are placed on
    billing_ring: tuple[str, ...]  # the shards billing's consistent-hash ring spans
    # A shard kept for one tenant (isolated): no other tenant is moved there.
    dedicated: Mapping[str, str] = field(default_factory=dict)  # shard -> tenant id
    # While the ring grows: the wider ring, and whether its unmoved tenants are refused.
    billing_ring_next: tuple[str, ...] = ()
    billing_ring_sealed: bool = False

    def __post_init__(self) -> None:
        if self.version < 1:
            raise TopologyError(f"a topology's version starts at 1, got {self.version}")
        named = {*self.regions.shards, *self.billing_ring, *self.billing_ring_next,
                 *self.dedicated}  # fmt: skip
        unknown = sorted(named - set(self.servers))
        if unknown:
            raise TopologyError(f"shards without a server: {', '.join(unknown)}")
        if not self.billing_ring:
            raise TopologyError("the billing ring needs at least one shard")
        if shared := sorted(set(self.dedicated) & set(self.regions.shards)):
            raise TopologyError(f"dedicated shards take no region's tenants: {', '.join(shared)}")
        if self.billing_ring_sealed and not self.billing_ring_next:
            raise TopologyError("only a growing billing ring can be sealed")

    @classmethod
    def seed(
        cls, servers: Mapping[str, str], regions: Mapping[Region, Sequence[str]]
    ) -> ShardTopology:
        """Version 1, from a deployment's configuration: the ring spans every server."""
        return cls(1, dict(servers), RegionShardGroups(regions), tuple(sorted(servers)))

    @property
    def shards(self) -> list[str]:
        return sorted(self.servers)

    @cached_property
    def ring(self) -> ConsistentHashRing:
        return ConsistentHashRing(self.billing_ring)

    @cached_property
    def next_ring(self) -> ConsistentHashRing | None:
        """The wider ring the billing ring is growing into, if it is."""
        return ConsistentHashRing(self.billing_ring_next) if self.billing_ring_next else None

    def billing_shard(self, tenant_id: uuid.UUID, placed: Mapping[uuid.UUID, str]) -> str | None:
        """The shard of a tenant's billing rows: its override in `placed` (moved, or kept
        apart), else the ring's pick. None while the ring is sealed and the tenant is one
        the wider ring reassigns but not moved yet: its writes wait."""
        if (shard := placed.get(tenant_id)) is not None:
            return shard
        shard = self.ring.shard_for(str(tenant_id))
        if self.billing_ring_sealed and self.reassigned(tenant_id, shard):
            return None
        return shard

    def reassigned(self, tenant_id: uuid.UUID, shard: str) -> bool:
        """The growing ring gives the tenant, on `shard` now, another shard."""
        return self.next_ring is not None and self.next_ring.shard_for(str(tenant_id)) != shard

    def with_ring_growing(self, shard: str) -> ShardTopology:
        """The next version: the billing ring starts growing onto `shard`."""
        if self.billing_ring_next:
            raise TopologyError(
                f"the billing ring is growing already, onto {', '.join(self._ring_joining)}"
            )
        if shard not in self.servers:
            raise TopologyError(f"{shard} is not a shard of the topology (add it first)")
        if shard in self.billing_ring:
            raise TopologyError(f"{shard} is in the billing ring already")
        if shard in self.dedicated:
            raise TopologyError(f"{shard} is dedicated to tenant {self.dedicated[shard]}")
        return replace(
            self, version=self.version + 1, billing_ring_next=(*self.billing_ring, shard)
        )

    def with_ring_sealed(self) -> ShardTopology:
        """The next version: the growing ring's unmoved tenants wait for their move."""
        if not self.billing_ring_next:
            raise TopologyError("the billing ring is not growing")
        return replace(self, version=self.version + 1, billing_ring_sealed=True)

    def with_ring_grown(self) -> ShardTopology:
        """The next version: the wider ring is the billing ring."""
        if not self.billing_ring_sealed:
            raise TopologyError("the billing ring grows once sealed and swept")
        return replace(
            self, version=self.version + 1, billing_ring=self.billing_ring_next,
            billing_ring_next=(), billing_ring_sealed=False,
        )  # fmt: skip

    @property
    def _ring_joining(self) -> list[str]:
        return sorted(set(self.billing_ring_next) - set(self.billing_ring))

    def place(self, tenant_id: uuid.UUID, region: Region) -> str:
        """The home shard of a new tenant of `region`."""
        return self.regions.place(tenant_id, region)

    def with_shard(
        self,
        shard: str,
        address: str,
        region: Region | None,
        dedicated_to: uuid.UUID | None = None,
    ) -> ShardTopology:
        """The next version, with a new server; its region's new tenants may land on it
        (none when `region` is None: a shard kept for tenants moved there on purpose, or
        for the one tenant it is `dedicated_to`)."""
        if shard in self.servers:
            raise TopologyError(f"{shard} is already a shard, at {self.servers[shard]}")
        if region is not None and dedicated_to is not None:
            raise TopologyError("a dedicated shard takes no region's new tenants")
        groups = {r: list(self.regions.group(r)) for r in Region}
        if region is not None:
            groups[region].append(shard)
        dedicated = dict(self.dedicated)
        if dedicated_to is not None:
            dedicated[shard] = str(dedicated_to)
        return replace(
            self, version=self.version + 1, servers={**self.servers, shard: address},
            regions=RegionShardGroups(groups), dedicated=dedicated,
        )  # fmt: skip

    def admits(self, shard: str, tenant_id: uuid.UUID) -> bool:
        """A tenant may be moved to `shard`: it is not dedicated to another tenant."""
        owner = self.dedicated.get(shard)
        return owner is None or owner == str(tenant_id)

    def to_document(self) -> dict[str, Any]:
        return {
            "servers": dict(sorted(self.servers.items())),
            "regions": {r.value: list(self.regions.group(r)) for r in Region},
            "billing_ring": list(self.billing_ring),
            "dedicated": dict(sorted(self.dedicated.items())),
            "billing_ring_next": list(self.billing_ring_next),
            "billing_ring_sealed": self.billing_ring_sealed,
        }

    @classmethod
    def from_document(cls, version: int, document: Mapping[str, Any]) -> ShardTopology:
        try:
            return cls(
                version,
                dict(document["servers"]),
                RegionShardGroups(
                    {Region(name): list(shards) for name, shards in document["regions"].items()}
                ),
                tuple(document["billing_ring"]),
                dict(document.get("dedicated", {})),
                tuple(document.get("billing_ring_next", ())),
                bool(document.get("billing_ring_sealed", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TopologyError(f"topology version {version} is malformed: {exc}") from exc
