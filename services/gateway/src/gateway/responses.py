"""Read answers the gateway keeps: a route marked `kept_as` (a tenant's profile, its usage)
is answered again from process memory until the projector announces that its read model
changed.

The query service stays the one owner of the read models: the gateway keeps the query
service's own answer, byte for byte with its ETag, as a cache in front of it would, and drops
it on the announcements the query service's L1 follows (or when its TTL ends, should one be
lost). Authentication, isolation, rate limits and metering happen before it is looked up, so
a kept answer skips only the hop to the query service. A read with a consistency token always
goes through: only the query service can wait for the write the token names.

A tenant's kept answers of one route are kept together, one per query string, and for one
hour of the clock: an answer that depends on the time (usage's default range, the last 24
hours to the next whole hour) changes only when the hour turns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway.upstreams import UpstreamResponse
from tessera_common.http.etags import etag_matches

Headers = list[tuple[bytes, bytes]]
# What a kept answer repeats of the query service's; the rest is this request's own.
_KEPT = frozenset({b"content-type", b"etag", b"cache-control", b"vary"})
_NOT_MODIFIED = frozenset({b"etag", b"cache-control", b"vary"})
# Query strings kept per tenant and route: past this, the oldest answer makes room.
MAX_VARIANTS = 8


@dataclass(frozen=True, slots=True)
class KeptResponse:
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    etag: str

    @classmethod
    def of(cls, upstream: UpstreamResponse) -> KeptResponse | None:
        """A 200 with its ETag can be answered again; anything else cannot."""
        etag = upstream.header("etag")
        if upstream.status != 200 or etag is None:
            return None
        kept = tuple((k, v) for k, v in upstream.headers if k.lower() in _KEPT)
        return cls(kept, upstream.content, etag)

    def answer(self, if_none_match: str | None) -> tuple[int, Headers, bytes]:
        """200 with the kept body, or 304 when the client holds it already."""
        if etag_matches(if_none_match, self.etag):
            return 304, [(k, v) for k, v in self.headers if k.lower() in _NOT_MODIFIED], b""
        return 200, list(self.headers), self.body


@dataclass(frozen=True, slots=True)
class KeptAnswers:
    """A tenant's kept answers of one route in one hour, by query string."""

    hour: int  # hours since the epoch
    by_query: Mapping[bytes, KeptResponse] = field(default_factory=dict)

    def get(self, query: bytes, hour: int) -> KeptResponse | None:
        return self.by_query.get(query) if hour == self.hour else None

    def with_answer(self, query: bytes, hour: int, response: KeptResponse) -> KeptAnswers:
        """These answers and one more (alone, if the hour has turned since)."""
        answers = dict(self.by_query) if hour == self.hour else {}
        answers.pop(query, None)
        answers[query] = response
        while len(answers) > MAX_VARIANTS:
            del answers[next(iter(answers))]
        return KeptAnswers(hour, answers)
