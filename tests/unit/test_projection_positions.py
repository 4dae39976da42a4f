"""The projector's own positions: a batch is applied only up to the first event past where
its partition stands; that partition is read again from there."""

from __future__ import annotations

from typing import NamedTuple

from projector.positions import admit


class TP(NamedTuple):
    topic: str
    partition: int


P0, P1 = TP("accounts.events", 0), TP("accounts.events", 1)


def test_events_that_follow_the_position_are_all_kept() -> None:
    admission = admit([(P0, 10), (P1, 3), (P0, 11), (P1, 4)], {P0: 10, P1: 3})
    assert admission.kept == [0, 1, 2, 3]
    assert admission.rewinds == {}


def test_an_event_past_the_position_rewinds_its_partition_only() -> None:
    admission = admit([(P0, 12), (P1, 3), (P0, 13), (P1, 4)], {P0: 10, P1: 3})
    assert admission.kept == [1, 3]
    assert admission.rewinds == {P0: 10}


def test_a_hole_inside_the_batch_keeps_the_events_before_it() -> None:
    admission = admit([(P0, 10), (P0, 11), (P0, 14), (P0, 15)], {P0: 10})
    assert admission.kept == [0, 1]
    assert admission.rewinds == {P0: 12}


def test_redelivered_events_are_kept_to_be_applied_again() -> None:
    admission = admit([(P0, 7), (P0, 8), (P0, 9), (P0, 10)], {P0: 10})
    assert admission.kept == [0, 1, 2, 3]
    assert admission.rewinds == {}


def test_a_partition_without_a_position_starts_where_it_is_delivered() -> None:
    admission = admit([(P1, 40), (P1, 41)], {})
    assert admission.kept == [0, 1]
    assert admission.rewinds == {}


def test_a_hole_after_redeliveries_is_still_found() -> None:
    admission = admit([(P0, 9), (P0, 10), (P0, 13)], {P0: 10})
    assert admission.kept == [0, 1]
    assert admission.rewinds == {P0: 11}
