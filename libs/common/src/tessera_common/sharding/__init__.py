"""Pure shard routing: no I/O, property-tested."""

from tessera_common.sharding.geo import RegionShardGroups
from tessera_common.sharding.placement import rendezvous_pick
from tessera_common.sharding.ring import ConsistentHashRing
from tessera_common.sharding.time_partitions import (
    MonthlyPartition,
    create_partition_sql,
    expired,
    partition_for,
    partitions_ahead,
)

__all__ = [
    "ConsistentHashRing",
    "MonthlyPartition",
    "RegionShardGroups",
    "create_partition_sql",
    "expired",
    "partition_for",
    "partitions_ahead",
    "rendezvous_pick",
]
