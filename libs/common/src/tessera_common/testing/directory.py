"""The tenant directory in memory: placements written once, found again."""

from __future__ import annotations

import uuid

from tessera_common.db.placements import Placement


class InMemoryDirectory:
    def __init__(self, *placements: Placement) -> None:
        self.placements = {placement.tenant_id: placement for placement in placements}

    async def place(self, placement: Placement) -> Placement:
        """Record a placement; if the tenant is already placed, the existing placement."""
        return self.placements.setdefault(placement.tenant_id, placement)

    async def find(self, tenant_id: uuid.UUID) -> Placement | None:
        return self.placements.get(tenant_id)
