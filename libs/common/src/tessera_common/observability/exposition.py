"""Reading Prometheus text expositions: sums over label matches, histogram quantiles."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

Labels = Mapping[str, str]
LabelFilter = Callable[[Labels], bool]
_CUMULATIVE = ("counter", "histogram", "summary")


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float
    cumulative: bool  # a counter or histogram series: only grows while the process lives


def _every(_: Labels) -> bool:
    return True


class Scrape:
    """The samples of one or more /metrics pages."""

    def __init__(self, samples: Iterable[Sample] = ()) -> None:
        self.samples = list(samples)

    @classmethod
    def parse(cls, *texts: str) -> Scrape:
        samples = [
            Sample(s.name, dict(s.labels), float(s.value), family.type in _CUMULATIVE)
            for text in texts
            for family in text_string_to_metric_families(text)
            for s in family.samples
        ]
        return cls(samples)

    def merged(self, other: Scrape) -> Scrape:
        return Scrape([*self.samples, *other.samples])

    def since(self, earlier: Scrape) -> Scrape:
        """What accumulated after `earlier`: cumulative series minus their earlier value."""
        before = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in earlier.samples}
        return Scrape(
            Sample(s.name, s.labels, s.value - before.get(_key(s), 0.0), True)
            if s.cumulative
            else s
            for s in self.samples
        )

    def select(self, name: str, where: LabelFilter = _every) -> list[Sample]:
        return [s for s in self.samples if s.name == name and where(s.labels)]

    def total(self, name: str, where: LabelFilter = _every) -> float:
        return sum(s.value for s in self.select(name, where))

    def maximum(self, name: str, where: LabelFilter = _every) -> float | None:
        values = [s.value for s in self.select(name, where)]
        return max(values) if values else None

    def buckets(self, histogram: str, where: LabelFilter = _every) -> dict[float, float]:
        """Cumulative counts by upper bound, summed over every matching series."""
        summed: dict[float, float] = {}
        for s in self.select(f"{histogram}_bucket", where):
            bound = float(s.labels["le"])
            summed[bound] = summed.get(bound, 0.0) + s.value
        return summed

    def label_values(self, name: str, label: str) -> set[str]:
        return {s.labels[label] for s in self.select(name) if label in s.labels}


def _key(sample: Sample) -> tuple[str, tuple[tuple[str, str], ...]]:
    return sample.name, tuple(sorted(sample.labels.items()))


def histogram_quantile(q: float, buckets: Mapping[float, float]) -> float | None:
    """PromQL's histogram_quantile over cumulative bucket counts; None without observations."""
    bounds = sorted(buckets)
    if not bounds or not math.isinf(bounds[-1]):
        return None
    total = buckets[bounds[-1]]
    if total <= 0:
        return None
    rank = q * total
    lower, below = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower  # the highest finite bound is all a histogram can tell
            if count == below:
                return bound
            return lower + (bound - lower) * (rank - below) / (count - below)
        lower, below = bound, count
    return lower
