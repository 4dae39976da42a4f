"""Pure shard routing: no I/O, property-tested."""

from tessera_common.sharding.geo import RegionShardGroups
from tessera_common.sharding.placement import rendezvous_pick

__all__ = ["RegionShardGroups", "rendezvous_pick"]
