"""Where usage rows go: each tenant's placement in the tenant directory, so a tenant's usage
sits on its account's shard, wherever the topology has put new tenants since."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from tessera_common.db.placements import TenantDirectory
from tessera_common.db.topology import TopologyFollower
from tessera_common.vocabulary import Region


class DirectoryShards:
    def __init__(self, directory: TenantDirectory, topology: TopologyFollower) -> None:
        self._directory = directory
        self._topology = topology

    async def shards_of(self, tenants: Mapping[uuid.UUID, Region]) -> dict[uuid.UUID, str]:
        """A tenant the directory does not know (no account holds it) gets the shard its
        account would get: a stable home in its region."""
        placements = await self._directory.find_many(tenants)
        return {
            tenant_id: placement.shard
            if (placement := placements.get(tenant_id)) is not None
            else self._topology.place(tenant_id, region)
            for tenant_id, region in tenants.items()
        }
