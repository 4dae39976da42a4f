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
    uptime: float  # the share of tenant-seconds in which none of that tenant's requests failed
    seconds: int

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def recovery(answers: list[Answer], marks: Marks) -> Recovery:
    failures = [a.done_at for a in answers if a.failed and a.done_at >= marks.fault]
    after_heal = [a.done_at for a in answers if a.succeeded and a.sent_at >= marks.healed]
    share, seconds = uptime(answers, marks.started, marks.ended)
    return Recovery(
        to_first_failure=_since(marks.fault, min(failures, default=None)),
        to_recover=_since(marks.healed, min(after_heal, default=None)),
        to_converge=_since(marks.healed, marks.converged),
        uptime=share,
        seconds=seconds,
    )


def uptime(answers: list[Answer], start: float, end: float) -> tuple[float, int]:
    """(the share of each tenant's whole seconds in [start, end) with none of its requests
    failed, how many seconds): a shard out is down for its own tenants only."""
    seconds = max(math.ceil(end - start), 1)
    tenants = {a.tenant for a in answers} or {""}
    down = {
        (a.tenant, int(a.done_at - start)) for a in answers if a.failed and start <= a.done_at < end
    }
    return 1 - len(down) / (seconds * len(tenants)), seconds


def _since(mark: float, moment: float | None) -> float | None:
    return None if moment is None else round(max(moment - mark, 0.0), 3)
