"""The group's offsets follow what the agents applied, never what one skipped."""

from __future__ import annotations

from typing import Any, NamedTuple

from projector.commits import GroupCommits


class TP(NamedTuple):
    topic: str
    partition: int


USAGE0, USAGE1, ACCOUNTS0 = TP("usage.events", 0), TP("usage.events", 1), TP("accounts.events", 0)


def commits() -> GroupCommits:
    return GroupCommits(app=Any)  # type: ignore[arg-type]  # due() never touches the app


def test_each_assigned_partition_commits_the_offset_applied_up_to() -> None:
    group = commits()
    group.applied(USAGE0, 40)
    group.applied(ACCOUNTS0, 7)
    assert group.due([USAGE0, ACCOUNTS0, USAGE1]) == {USAGE0: 40, ACCOUNTS0: 7}


def test_only_assigned_partitions_are_committed() -> None:
    group = commits()
    group.applied(ACCOUNTS0, 7)
    assert group.due([]) == {}


def test_a_given_away_partition_is_forgotten() -> None:
    group = commits()
    group.applied(ACCOUNTS0, 70)
    group.forget([ACCOUNTS0])
    group.applied(ACCOUNTS0, 12)  # its next owner's word, lower than ours was
    assert group.due([ACCOUNTS0]) == {ACCOUNTS0: 12}


def test_an_offset_never_goes_back() -> None:
    group = commits()
    group.applied(ACCOUNTS0, 9)
    group.applied(ACCOUNTS0, 5)  # a redelivered batch
    assert group.due([ACCOUNTS0]) == {ACCOUNTS0: 9}
