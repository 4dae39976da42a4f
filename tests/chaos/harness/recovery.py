"""Recovery figures of one round, from the clients' answers and the fault's marks."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from harness.statuses import Answer


@dataclass(frozen=True)
class Marks:
    """When (time.monotonic()) the load began and ended, the fault struck and was healed,
    and when every read model had converged."""

    started: float
    fault: float
    healed: float
    ended: float
    converged: float | None = None


@dataclass(frozen=True)
class Recovery:
    to_first_failure: float | None  # fault -> the first failed answer (None: none failed)
    to_recover: float | None  # heal -> the first success of a request sent after it
    to_converge: float | None  # heal -> every read model equal to the shards, lag 0
    uptime: float  # the share of the run's seconds in which no request failed
    seconds: int

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def recovery(answers: list[Answer], marks: Marks) -> Recovery:
    failures = [a.done_at for a in answers if a.failed and a.done_at >= marks.fault]
    after_heal = [a.done_at for a in answers if a.succeeded and a.sent_at >= marks.healed]
    return Recovery(
        to_first_failure=_since(marks.fault, min(failures, default=None)),
        to_recover=_since(marks.healed, min(after_heal, default=None)),
        to_converge=_since(marks.healed, marks.converged),
        uptime=uptime(answers, marks.started, marks.ended)[0],
        seconds=uptime(answers, marks.started, marks.ended)[1],
    )


def uptime(answers: list[Answer], start: float, end: float) -> tuple[float, int]:
    """(share of whole seconds in [start, end) with no failed answer, how many seconds)."""
    seconds = max(math.ceil(end - start), 1)
    down = {int(a.done_at - start) for a in answers if a.failed and start <= a.done_at < end}
    return (seconds - len(down)) / seconds, seconds


def _since(mark: float, moment: float | None) -> float | None:
    return None if moment is None else round(max(moment - mark, 0.0), 3)
