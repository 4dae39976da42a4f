"""A billing period: one calendar month in UTC, written `YYYY-MM`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from billing.domain.errors import InvalidFieldError

_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})")
# From the Unix epoch to the last year whose December still ends inside datetime's range.
FIRST_YEAR = 1970
LAST_YEAR = 9998


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not (FIRST_YEAR <= self.year <= LAST_YEAR and 1 <= self.month <= 12):
            raise InvalidFieldError(
                "period", f"must be a month from {FIRST_YEAR}-01 to {LAST_YEAR}-12"
            )

    @classmethod
    def parse(cls, text: str) -> Period:
        """Strictly `YYYY-MM`: no day, no surrounding spaces, month 01 to 12."""
        match = _TEXT.fullmatch(text)
        if match is None:
            raise InvalidFieldError("period", f"must be a month written YYYY-MM, not {text!r}")
        return cls(int(match[1]), int(match[2]))

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period: the start of the next month."""
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return datetime(year, month, 1, tzinfo=UTC)

    def is_closed(self, now: datetime) -> bool:
        return now >= self.end

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
