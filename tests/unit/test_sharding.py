"""Pure shard routing: rendezvous placement and region groups."""

import uuid
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessera_common.sharding import RegionShardGroups, rendezvous_pick
from tessera_common.vocabulary import Region

GROUPS = RegionShardGroups(
    {
        Region.US_EAST: ["shard-0", "shard-1"],
        Region.EU_WEST: ["shard-2"],
        Region.APAC: ["shard-2"],
    }
)
shard_names = st.lists(
    st.text("abcdefgh0123456789-", min_size=1, max_size=8), min_size=1, max_size=12, unique=True
)


@given(key=st.text(max_size=40), shards=shard_names)
def test_a_pick_is_one_of_the_shards_and_does_not_depend_on_their_order(
    key: str, shards: list[str]
) -> None:
    picked = rendezvous_pick(key, shards)
    assert picked in shards
    assert rendezvous_pick(key, list(reversed(shards))) == picked


@given(key=st.text(max_size=40), shards=shard_names, extra=st.text("xyz", min_size=9, max_size=9))
def test_adding_a_shard_moves_a_key_only_onto_the_new_shard(
    key: str, shards: list[str], extra: str
) -> None:
    before = rendezvous_pick(key, shards)
    after = rendezvous_pick(key, [*shards, extra])
    assert after in (before, extra)


@settings(max_examples=10, deadline=None)
@given(shard_count=st.integers(min_value=2, max_value=8))
def test_adding_a_shard_moves_about_one_in_n_plus_one_keys(shard_count: int) -> None:
    keys = [str(uuid.UUID(int=i * 7919 + 1)) for i in range(6000)]
    shards = [f"shard-{i}" for i in range(shard_count)]
    grown = [*shards, "shard-new"]
    moved = sum(rendezvous_pick(k, shards) != rendezvous_pick(k, grown) for k in keys)
    expected = len(keys) / (shard_count + 1)
    assert abs(moved - expected) < 0.2 * expected


def test_keys_spread_evenly_over_a_group() -> None:
    shards = ["shard-0", "shard-1", "shard-2", "shard-3"]
    load = Counter(rendezvous_pick(str(uuid.UUID(int=i)), shards) for i in range(20_000))
    assert set(load) == set(shards)
    assert max(load.values()) / min(load.values()) < 1.1


@given(tenant=st.uuids(), region=st.sampled_from(list(Region)))
def test_a_tenant_is_placed_inside_its_region_group(tenant: uuid.UUID, region: Region) -> None:
    shard = GROUPS.place(tenant, region)
    assert shard in GROUPS.group(region)
    assert GROUPS.place(tenant, region) == shard


def test_both_us_east_shards_receive_tenants() -> None:
    placed = {GROUPS.place(uuid.UUID(int=i), Region.US_EAST) for i in range(200)}
    assert placed == {"shard-0", "shard-1"}


def test_every_region_needs_a_shard() -> None:
    with pytest.raises(ValueError, match="apac"):
        RegionShardGroups({Region.US_EAST: ["a"], Region.EU_WEST: ["b"], Region.APAC: []})


def test_picking_from_no_shard_is_an_error() -> None:
    with pytest.raises(ValueError, match="no shard"):
        rendezvous_pick("k", [])
