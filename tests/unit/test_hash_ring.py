"""Consistent hashing with virtual nodes: the billing router's properties."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera_common.sharding import ConsistentHashRing
from tessera_common.sharding.geo import UnknownShardError

shard_names = st.lists(
    st.text("abcdefgh0123456789-", min_size=1, max_size=8), min_size=1, max_size=12, unique=True
)
keys = st.text(max_size=40)
# A few vnodes keep hypothesis fast; the properties below hold for any count.
few_vnodes = st.integers(min_value=1, max_value=16)
TENANTS = [str(uuid.UUID(int=i * 7919 + 1)) for i in range(10_000)]


def named(count: int) -> list[str]:
    return [f"shard-{i}" for i in range(count)]


@given(key=keys, shards=shard_names, vnodes=few_vnodes)
def test_a_key_always_maps_to_a_member(key: str, shards: list[str], vnodes: int) -> None:
    assert ConsistentHashRing(shards, vnodes).shard_for(key) in shards


@given(key=keys, shards=shard_names.flatmap(st.permutations).map(list), vnodes=few_vnodes)
def test_the_mapping_does_not_depend_on_construction_order(
    key: str, shards: list[str], vnodes: int
) -> None:
    ring = ConsistentHashRing(shards, vnodes)
    reordered = ConsistentHashRing(sorted(shards), vnodes)
    assert ring == reordered
    assert ring.shard_for(key) == reordered.shard_for(key)


@given(key=keys, shards=shard_names, extra=st.text("xyz", min_size=9, max_size=9))
def test_adding_a_shard_moves_a_key_only_onto_the_new_shard(
    key: str, shards: list[str], extra: str
) -> None:
    ring = ConsistentHashRing(shards, vnodes=8)
    assert ring.with_shard(extra).shard_for(key) in (ring.shard_for(key), extra)


@given(key=keys, shards=shard_names, data=st.data())
def test_removing_a_shard_moves_only_that_shards_keys(
    key: str, shards: list[str], data: st.DataObject
) -> None:
    if len(shards) == 1:
        shards = [*shards, "spare"]
    ring = ConsistentHashRing(shards, vnodes=8)
    gone = data.draw(st.sampled_from(shards))
    before, after = ring.shard_for(key), ring.without_shard(gone).shard_for(key)
    if before == gone:
        assert after != gone
    else:
        assert after == before


@pytest.mark.parametrize("shard_count", range(1, 17))
def test_adding_a_shard_moves_about_one_in_n_plus_one_keys(shard_count: int) -> None:
    """|moved - expected| < 25% of expected, with every moved key landing on the new shard.

    The new shard takes its arc share of the ring, whose relative spread is about
    1/sqrt(160) = 7.9%; measured over these 10,000 keys for N = 1..16 the worst miss
    was 8.8% (N = 16), so 25% is about three standard deviations of slack.
    """
    ring = ConsistentHashRing(named(shard_count))
    grown = ring.with_shard("shard-new")
    moved = [key for key in TENANTS if ring.shard_for(key) != grown.shard_for(key)]
    expected = len(TENANTS) / (shard_count + 1)
    assert abs(len(moved) - expected) < 0.25 * expected
    assert {grown.shard_for(key) for key in moved} == {"shard-new"}


def test_removing_a_shard_hands_on_exactly_its_keys() -> None:
    ring = ConsistentHashRing(named(5))
    shrunk = ring.without_shard("shard-2")
    moved = {key for key in TENANTS if ring.shard_for(key) != shrunk.shard_for(key)}
    assert moved == {key for key in TENANTS if ring.shard_for(key) == "shard-2"}


def test_keys_spread_evenly_over_the_shards() -> None:
    """max/min <= 1.25 for shard-0..3 with 160 vnodes over 20,000 keys (measured: 1.13).

    A shard's share varies with its points' arcs, relative spread about 1/sqrt(160)
    = 7.9%, so max/min grows with the shard count: over 150 random name sets of four
    shards the median was 1.16 and the 95th percentile 1.34 (eight shards: 1.26 and
    1.39). The names here are fixed, so this is deterministic; 1.25 would catch a
    ring that ignored its vnodes (one point per shard measures 4.75 here).
    """
    load = ConsistentHashRing(named(4)).load(str(uuid.UUID(int=i)) for i in range(20_000))
    assert sum(load.values()) == 20_000
    assert max(load.values()) / min(load.values()) <= 1.25


def test_the_mapping_is_pinned_across_processes_and_releases() -> None:
    # Billing rows live where these say; a change of hash or point scheme would strand them.
    ring = ConsistentHashRing(named(4))
    assert ring.shard_for("00000000-0000-0000-0000-000000000001") == "shard-0"
    assert ring.shard_for("tenant-a") == "shard-3"
    assert ring.shard_for("") == "shard-1"


def test_rings_are_immutable_values() -> None:
    ring = ConsistentHashRing(["b", "a"], vnodes=4)
    grown = ring.with_shard("c")
    assert ring.shards == ("a", "b")
    assert grown.shards == ("a", "b", "c")
    assert grown.without_shard("c") == ring
    assert ring.vnodes == 4
    assert ring != ConsistentHashRing(["a", "b"], vnodes=5)
    assert repr(ring) == "ConsistentHashRing(['a', 'b'], vnodes=4)"


def test_load_counts_idle_shards_too() -> None:
    assert ConsistentHashRing(named(3)).load([]) == {"shard-0": 0, "shard-1": 0, "shard-2": 0}


@pytest.mark.parametrize(
    ("shards", "vnodes", "message"),
    [
        ([], 160, "at least one shard"),
        (["a", "b", "a"], 160, "duplicate shards: a"),
        (["a"], 0, "vnodes must be at least 1"),
    ],
)
def test_a_malformed_ring_is_refused(shards: list[str], vnodes: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ConsistentHashRing(shards, vnodes)


def test_adding_a_member_again_is_refused() -> None:
    with pytest.raises(ValueError, match="duplicate shards: a"):
        ConsistentHashRing(["a", "b"]).with_shard("a")


def test_removing_a_stranger_or_the_last_shard_is_refused() -> None:
    with pytest.raises(UnknownShardError):
        ConsistentHashRing(["a", "b"]).without_shard("c")
    with pytest.raises(ValueError, match="at least one shard"):
        ConsistentHashRing(["a"]).without_shard("a")
