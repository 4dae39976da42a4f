"""Geographic sharding: each region owns a group of shards, and its data stays there."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tessera_common.sharding.placement import rendezvous_pick
from tessera_common.vocabulary import Region


class UnknownShardError(LookupError):
    """A shard name that the configuration does not know."""


@dataclass(frozen=True)
class RegionShardGroups:
    """Region -> the shards that may hold that region's tenants."""

    groups: Mapping[Region, Sequence[str]]

    def __post_init__(self) -> None:
        missing = [region for region in Region if not self.groups.get(region)]
        if missing:
            raise ValueError(f"regions without shards: {', '.join(missing)}")

    @property
    def shards(self) -> list[str]:
        """Every shard named by some region, in a stable order."""
        return sorted({shard for group in self.groups.values() for shard in group})

    def group(self, region: Region) -> Sequence[str]:
        return self.groups[region]

    def place(self, tenant_id: uuid.UUID, region: Region) -> str:
        """The home shard of a new tenant: its region's group, spread by rendezvous hash."""
        return rendezvous_pick(str(tenant_id), self.groups[region])

    def region_owns(self, region: Region, shard: str) -> bool:
        return shard in self.groups[region]
