"""Rendezvous (highest-random-weight) hashing: a stable pick of one shard for a key.

Adding a shard to a group moves only the keys the new shard wins (about 1/(N+1));
removing one moves only that shard's keys.
"""

import hashlib
from collections.abc import Sequence


def _weight(key: str, shard: str) -> int:
    digest = hashlib.blake2b(f"{shard}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rendezvous_pick(key: str, shards: Sequence[str]) -> str:
    """The shard with the highest weight for `key`; ValueError when there is none."""
    if not shards:
        raise ValueError("no shard to pick from")
    return max(shards, key=lambda shard: (_weight(key, shard), shard))
