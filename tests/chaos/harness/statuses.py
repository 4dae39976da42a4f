"""What a client saw: every answer, judged as a careful client judges it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

PROBLEM_JSON = "application/problem+json"
# Statuses a client may see under any fault: success, a conflict it resolves, a limit.
DEFINITE = frozenset({409, 412, 429})
TIMEOUT = "timeout"  # no answer before the client's deadline
TRANSPORT = "transport"  # the connection failed (refused, reset)


@dataclass(frozen=True)
class Answer:
    """One attempt: when it was sent and answered, and what came back."""

    kind: str  # the command or read it belongs to ("user", "usage", "rename", "key", "read")
    sent_at: float  # time.monotonic()
    done_at: float
    status: int | str  # an HTTP status, TIMEOUT or TRANSPORT
    content_type: str = ""
    retry_after: str = ""
    problem: str = ""  # the problem's type slug, if it was one
    tenant: str = ""  # whose request it was

    @property
    def label(self) -> str:
        """How the status histogram names it: `503 shard-unavailable`, `201`, `timeout`."""
        return f"{self.status} {self.problem}" if self.problem else str(self.status)

    @property
    def succeeded(self) -> bool:
        return isinstance(self.status, int) and self.status < 300

    @property
    def failed(self) -> bool:
        """Unavailable for the client: a 5xx, a timeout or a broken connection."""
        return not isinstance(self.status, int) or self.status >= 500

    @property
    def acceptable(self) -> bool:
        """2xx, 409/412/429, or a 503 problem with Retry-After; never a 500, never a hang."""
        if self.succeeded or self.status in DEFINITE:
            return True
        return self.status == 503 and self.content_type == PROBLEM_JSON and bool(self.retry_after)

    @property
    def retryable(self) -> bool:
        """Worth sending again with the same Idempotency-Key."""
        return self.failed or self.status in (409, 429)


def histogram(answers: list[Answer]) -> dict[str, int]:
    """Every client-visible status, counted."""
    return dict(sorted(Counter(answer.label for answer in answers).items()))


def unacceptable(answers: list[Answer]) -> list[Answer]:
    return [answer for answer in answers if not answer.acceptable]
