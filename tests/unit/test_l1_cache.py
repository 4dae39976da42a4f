"""L1 never keeps a value read before an invalidation that came after it."""

from tessera_common.cache.l1 import L1Cache

KEY = "tessera:tenant:t"


def test_a_value_read_before_an_invalidation_is_not_kept() -> None:
    cache = L1Cache[dict[str, object]](10, 60, service="query")
    ticket = cache.ticket()  # the read starts; L2 still holds the old profile
    cache.evict(KEY)  # the projector writes the new one and announces it
    cache.put(KEY, {"version": 1}, ticket)  # the old value arrives late
    assert cache.get(KEY) is None


def test_a_value_read_after_the_invalidation_is_kept() -> None:
    cache = L1Cache[dict[str, object]](10, 60, service="query")
    cache.evict(KEY)
    ticket = cache.ticket()
    cache.put(KEY, {"version": 2}, ticket)
    assert cache.get(KEY) == {"version": 2}


def test_a_clear_discards_reads_in_flight_too() -> None:
    cache = L1Cache[dict[str, object]](10, 60, service="query")
    ticket = cache.ticket()
    cache.clear()
    cache.put(KEY, {"version": 1}, ticket)
    assert cache.get(KEY) is None


def test_an_invalidation_of_another_key_does_not_matter() -> None:
    cache = L1Cache[dict[str, object]](10, 60, service="query")
    ticket = cache.ticket()
    cache.evict("tessera:tenant:other")
    cache.put(KEY, {"version": 1}, ticket)
    assert cache.get(KEY) == {"version": 1}
