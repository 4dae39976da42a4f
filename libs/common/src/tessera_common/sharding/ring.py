"""Consistent hashing with virtual nodes: billing routes a tenant_id to one shard.

Each shard owns `vnodes` points on a 64-bit ring; a key belongs to the first point at
or after its own hash. Adding a shard to N moves about 1/(N+1) of the keys, all onto
the new shard; removing one moves only the keys it held.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable

from tessera_common.sharding.geo import UnknownShardError

DEFAULT_VNODES = 160


def _hash(text: str) -> int:
    # blake2b, not hash(): Python salts str hashes per process, and every process
    # (and every release) must route a tenant to the same shard.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class ConsistentHashRing:
    """An immutable ring of shards; `with_shard` and `without_shard` return new rings."""

    __slots__ = ("_owners", "_points", "_shards", "_vnodes")

    def __init__(self, shards: Iterable[str], vnodes: int = DEFAULT_VNODES) -> None:
        names = list(shards)
        if not names:
            raise ValueError("a ring needs at least one shard")
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate shards: {', '.join(duplicates)}")
        if vnodes < 1:
            raise ValueError(f"vnodes must be at least 1, got {vnodes}")
        # Sorting (point, shard) pairs settles a point collision by name, so the ring
        # does not depend on the order the shards were given in.
        ring = sorted((_hash(f"{name}\x00{i}"), name) for name in names for i in range(vnodes))
        self._shards = tuple(sorted(names))
        self._vnodes = vnodes
        self._points = tuple(point for point, _ in ring)
        self._owners = tuple(owner for _, owner in ring)

    @property
    def shards(self) -> tuple[str, ...]:
        """The ring's shards, sorted by name."""
        return self._shards

    @property
    def vnodes(self) -> int:
        return self._vnodes

    def shard_for(self, key: str) -> str:
        """The shard owning `key`: the first point clockwise from the key's hash."""
        index = bisect.bisect_left(self._points, _hash(key))
        # Past the last point the ring wraps round to the first.
        return self._owners[index % len(self._owners)]

    def with_shard(self, name: str) -> ConsistentHashRing:
        """A new ring with `name` added; ValueError if it is already a member."""
        return ConsistentHashRing([*self._shards, name], self._vnodes)

    def without_shard(self, name: str) -> ConsistentHashRing:
        """A new ring without `name`; UnknownShardError if it is not a member."""
        if name not in self._shards:
            raise UnknownShardError(name)
        return ConsistentHashRing([s for s in self._shards if s != name], self._vnodes)

    def load(self, keys: Iterable[str]) -> dict[str, int]:
        """How many of `keys` each shard owns, zero included."""
        counts = dict.fromkeys(self._shards, 0)
        for key in keys:
            counts[self.shard_for(key)] += 1
        return counts

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConsistentHashRing):
            return NotImplemented
        return (self._shards, self._vnodes) == (other._shards, other._vnodes)

    def __hash__(self) -> int:
        return hash((self._shards, self._vnodes))

    def __repr__(self) -> str:
        return f"ConsistentHashRing({list(self._shards)!r}, vnodes={self._vnodes})"
