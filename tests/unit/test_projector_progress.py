"""The projector's progress judge: a stall is events waiting with no offset committed."""

from __future__ import annotations

import pytest

from projector.progress import FRESH_SECONDS, Progress


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def probes(progress: Progress, clock: Clock, seconds: float, **seen: int | bool) -> None:
    """The lag probe every 5 s for `seconds`, seeing the same thing each time."""
    for _ in range(int(seconds // 5)):
        clock.advance(5)
        progress.observe(**{"committed": 0, "lag": 0, "rebalancing": False, **seen})  # type: ignore[arg-type]


def test_events_waiting_while_no_offset_moves_is_a_stall(clock: Clock) -> None:
    progress = Progress(clock)
    probes(progress, clock, 60, committed=100, lag=0)
    assert progress.stall() is None  # idle for a minute: nothing to do is no stall
    probes(progress, clock, 30, committed=100, lag=7)
    assert progress.stalled_for(30) is None  # since the first probe that saw events waiting
    stall = progress.stalled_for(25)
    assert stall is not None
    assert stall.seconds == 25
    assert stall.reason == "7 events wait and no offset was committed"


def test_offsets_moving_under_lag_is_progress(clock: Clock) -> None:
    progress = Progress(clock)
    for committed in range(100, 2_000, 50):
        clock.advance(5)
        progress.observe(committed=committed, lag=40, rebalancing=False)
    assert progress.stalled_for(10) is None


def test_a_batch_held_up_by_a_store_outage_is_no_stall(clock: Clock) -> None:
    progress = Progress(clock)
    with progress.applying():
        probes(progress, clock, 120, committed=5, lag=30)
        assert progress.stall() is None
    assert progress.stalled_for(1) is None  # it just finished: the clock starts again
    probes(progress, clock, 60, committed=5, lag=30)
    assert progress.stalled_for(45) is not None


def test_a_rebalance_that_does_not_end_is_a_stall(clock: Clock) -> None:
    progress = Progress(clock)
    probes(progress, clock, 50, committed=5, lag=0, rebalancing=True)
    stall = progress.stalled_for(40)
    assert stall is not None
    assert stall.reason == "a rebalance has not ended"
    probes(progress, clock, 5, committed=5, lag=0, rebalancing=False)
    assert progress.stall() is None


def test_a_broker_that_does_not_answer_judges_nothing(clock: Clock) -> None:
    progress = Progress(clock)
    assert progress.stall() is None  # never measured
    probes(progress, clock, 60, committed=5, lag=30)
    assert progress.stalled_for(45) is not None
    clock.advance(FRESH_SECONDS + 1)  # the probes fail from here on
    assert progress.stall() is None
