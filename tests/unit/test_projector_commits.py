"""The group's offsets follow what every agent of a topic applied, never what one skipped."""

from __future__ import annotations

from typing import Any, NamedTuple

from projector.commits import GroupCommits


class TP(NamedTuple):
    topic: str
    partition: int


USAGE0, USAGE1, ACCOUNTS0 = TP("usage.events", 0), TP("usage.events", 1), TP("accounts.events", 0)


def commits() -> GroupCommits:
    agents = {"usage.events": {"project", "live"}, "accounts.events": {"accounts"}}
    return GroupCommits(app=Any, agents_of_topic=agents)  # type: ignore[arg-type]


def test_a_partition_commits_the_lowest_offset_its_agents_applied() -> None:
    group = commits()
    group.applied("project", USAGE0, 40)
    group.applied("live", USAGE0, 31)
    group.applied("accounts", ACCOUNTS0, 7)
    assert group.due([USAGE0, ACCOUNTS0]) == {USAGE0: 31, ACCOUNTS0: 7}


def test_nothing_is_committed_before_every_agent_has_applied_something() -> None:
    group = commits()
    group.applied("project", USAGE1, 12)
    assert group.due([USAGE1]) == {}


def test_only_assigned_partitions_are_committed() -> None:
    group = commits()
    group.applied("accounts", ACCOUNTS0, 7)
    assert group.due([]) == {}


def test_a_given_away_partition_is_forgotten() -> None:
    group = commits()
    group.applied("accounts", ACCOUNTS0, 70)
    group.forget([ACCOUNTS0])
    group.applied("accounts", ACCOUNTS0, 12)  # its next owner's word, lower than ours was
    assert group.due([ACCOUNTS0]) == {ACCOUNTS0: 12}


def test_an_offset_never_goes_back() -> None:
    group = commits()
    group.applied("accounts", ACCOUNTS0, 9)
    group.applied("accounts", ACCOUNTS0, 5)  # a redelivered batch
    assert group.due([ACCOUNTS0]) == {ACCOUNTS0: 9}
