"""asyncpg pools of the read side (the projector's writers, the query service's readers)."""

from __future__ import annotations

import asyncpg


async def keep_session(connection: asyncpg.Connection) -> None:
    """A pool's `reset`: nothing to undo. asyncpg's default runs a query on every release
    (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL) — a round trip per statement batch
    for session state these pools never set: their locks are transaction-scoped, they
    neither LISTEN nor keep cursors, and their settings are fixed at connect."""
