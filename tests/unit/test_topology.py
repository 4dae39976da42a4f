"""The shard topology as data: its versions, the shards they add, their documents, and how a
process reaches each server without the directory holding a password."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera_common.db.topology import ServerUrls, address_of
from tessera_common.sharding.topology import ShardTopology, TopologyError
from tessera_common.vocabulary import Region

SERVERS = {
    "shard-0": "postgresql://tessera@10.0.0.1:5432",
    "shard-1": "postgresql://tessera@10.0.0.2:5432",
    "shard-2": "postgresql://tessera@10.0.0.3:5432",
}
REGIONS = {
    Region.US_EAST: ["shard-0", "shard-1"],
    Region.EU_WEST: ["shard-2"],
    Region.APAC: ["shard-2"],
}
SEED = ShardTopology.seed(SERVERS, REGIONS)


def test_the_seed_is_version_1_and_its_ring_spans_every_server() -> None:
    assert SEED.version == 1
    assert SEED.billing_ring == ("shard-0", "shard-1", "shard-2")
    assert SEED.ring.shards == ("shard-0", "shard-1", "shard-2")


def test_a_region_naming_a_shard_without_a_server_is_refused() -> None:
    with pytest.raises(TopologyError, match="shards without a server: shard-9"):
        ShardTopology.seed(SERVERS, {**REGIONS, Region.APAC: ["shard-9"]})


def test_an_added_shard_is_the_next_version_and_joins_only_its_regions_group() -> None:
    grown = SEED.with_shard("shard-3", "postgresql://tessera@10.0.0.4:5432", Region.US_EAST)
    assert grown.version == 2
    assert list(grown.regions.group(Region.US_EAST)) == ["shard-0", "shard-1", "shard-3"]
    assert list(grown.regions.group(Region.EU_WEST)) == ["shard-2"]
    assert grown.billing_ring == SEED.billing_ring
    assert SEED.servers.keys() == {"shard-0", "shard-1", "shard-2"}  # the old version stands


def test_a_shard_added_for_no_region_takes_no_new_tenants() -> None:
    kept = SEED.with_shard("dedicated-1", "postgresql://tessera@10.0.0.9:5432", None)
    assert "dedicated-1" in kept.servers
    assert "dedicated-1" not in kept.regions.shards


def test_a_shard_already_present_is_refused() -> None:
    with pytest.raises(TopologyError, match="shard-1 is already a shard"):
        SEED.with_shard("shard-1", "postgresql://tessera@10.0.0.7:5432", Region.APAC)


@given(st.lists(st.uuids(), min_size=300, max_size=300, unique=True))
def test_adding_a_shard_to_a_region_moves_no_earlier_pick_but_to_the_new_shard(
    tenants: list[uuid.UUID],
) -> None:
    grown = SEED.with_shard("shard-3", "postgresql://tessera@10.0.0.4:5432", Region.US_EAST)
    for tenant_id in tenants:
        before, after = (
            SEED.place(tenant_id, Region.US_EAST),
            grown.place(tenant_id, Region.US_EAST),
        )
        assert after in (before, "shard-3")


def test_a_document_round_trips_and_a_malformed_one_names_its_version() -> None:
    grown = SEED.with_shard("shard-3", "postgresql://tessera@10.0.0.4:5432", Region.APAC)
    assert ShardTopology.from_document(2, grown.to_document()) == grown
    with pytest.raises(TopologyError, match="topology version 7 is malformed"):
        ShardTopology.from_document(7, {"servers": SERVERS})


def test_the_directory_records_an_address_without_its_password() -> None:
    assert address_of("postgresql://app:s3cret@db-7:5432") == "postgresql://app@db-7:5432"


def test_a_process_reaches_configured_shards_as_configured_and_others_with_its_password() -> None:
    urls = ServerUrls({"shard-0": "postgresql://app:s3cret@proxy:6432"})
    assert urls.url("shard-0", "postgresql://app@db-0:5432") == "postgresql://app:s3cret@proxy:6432"
    assert urls.url("shard-3", "postgresql://app@db-3:5432") == "postgresql://app:s3cret@db-3:5432"
    with pytest.raises(TopologyError, match="wants user 'other'"):
        urls.url("shard-4", "postgresql://other@db-4:5432")


def test_a_dedicated_shard_admits_its_tenant_alone_and_takes_no_regions_tenants() -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    kept = SEED.with_shard("tenant-1", "postgresql://tessera@10.0.0.8:5432", None, owner)
    assert kept.dedicated == {"tenant-1": str(owner)}
    assert "tenant-1" not in kept.regions.shards
    assert kept.admits("tenant-1", owner)
    assert not kept.admits("tenant-1", other)
    assert kept.admits("shard-0", other)
    assert ShardTopology.from_document(2, kept.to_document()) == kept
    with pytest.raises(TopologyError, match="takes no region's new tenants"):
        SEED.with_shard("tenant-2", "postgresql://tessera@10.0.0.9:5432", Region.APAC, owner)


WITH_SHARD_3 = SEED.with_shard("shard-3", "postgresql://tessera@10.0.0.4:5432", None)


def reassigned_by(growing: ShardTopology, tenants: list[uuid.UUID]) -> list[uuid.UUID]:
    return [t for t in tenants if growing.reassigned(t, growing.ring.shard_for(str(t)))]


@given(st.lists(st.uuids(), min_size=400, max_size=400, unique=True))
def test_a_growing_ring_reassigns_tenants_only_onto_the_new_shard(
    tenants: list[uuid.UUID],
) -> None:
    growing = WITH_SHARD_3.with_ring_growing("shard-3")
    assert growing.billing_ring_next == ("shard-0", "shard-1", "shard-2", "shard-3")
    reassigned = reassigned_by(growing, tenants)
    assert {growing.next_ring.shard_for(str(t)) for t in reassigned} <= {"shard-3"}  # type: ignore[union-attr]
    for tenant in tenants:  # growing, a tenant stays where it was until moved
        assert growing.billing_shard(tenant, {}) == SEED.ring.shard_for(str(tenant))


def test_a_growing_ring_reassigns_about_one_in_n_plus_1_tenants() -> None:
    # A fixed population, large enough that the share is the ring's, not the sample's.
    tenants = [uuid.uuid5(uuid.NAMESPACE_URL, f"tenant-{n}") for n in range(20_000)]
    share = len(reassigned_by(WITH_SHARD_3.with_ring_growing("shard-3"), tenants)) / 20_000
    assert 0.20 < share < 0.30  # about 1/4


@given(st.lists(st.uuids(), min_size=100, max_size=100, unique=True))
def test_a_sealed_ring_holds_back_exactly_the_unmoved_tenants_it_reassigns(
    tenants: list[uuid.UUID],
) -> None:
    sealed = WITH_SHARD_3.with_ring_growing("shard-3").with_ring_sealed()
    moved = {t: "shard-3" for t in tenants[:10]}
    for tenant in tenants:
        now = SEED.ring.shard_for(str(tenant))
        expected = moved.get(tenant) or (None if sealed.reassigned(tenant, now) else now)
        assert sealed.billing_shard(tenant, moved) == expected
    grown = sealed.with_ring_grown()
    assert grown.billing_ring == ("shard-0", "shard-1", "shard-2", "shard-3")
    assert (grown.billing_ring_next, grown.billing_ring_sealed) == ((), False)
    assert all(grown.billing_shard(t, {}) == grown.ring.shard_for(str(t)) for t in tenants)


def test_an_override_places_a_tenants_billing_whatever_the_ring() -> None:
    tenant = uuid.uuid4()
    assert WITH_SHARD_3.billing_shard(tenant, {tenant: "shard-3"}) == "shard-3"


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (lambda t: t.with_ring_growing("shard-9"), "shard-9 is not a shard"),
        (lambda t: t.with_ring_growing("shard-1"), "shard-1 is in the billing ring already"),
        (lambda t: t.with_ring_growing("shard-3").with_ring_growing("shard-3"), "growing already"),
        (lambda t: t.with_ring_sealed(), "not growing"),
        (lambda t: t.with_ring_growing("shard-3").with_ring_grown(), "once sealed"),
    ],
)
def test_a_ring_change_out_of_order_is_refused(change: object, refusal: str) -> None:
    with pytest.raises(TopologyError, match=refusal):
        change(WITH_SHARD_3)  # type: ignore[operator]


def test_a_growing_ring_survives_its_document_and_the_next_shard_added() -> None:
    sealed = WITH_SHARD_3.with_ring_growing("shard-3").with_ring_sealed()
    assert ShardTopology.from_document(sealed.version, sealed.to_document()) == sealed
    added = sealed.with_shard("shard-4", "postgresql://tessera@10.0.0.5:5432", Region.APAC)
    assert (added.billing_ring_next, added.billing_ring_sealed) == (sealed.billing_ring_next, True)
