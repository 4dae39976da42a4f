"""A kept answer repeats the query service's own, ETag and all, or a 304 for its ETag."""

from __future__ import annotations

from gateway.responses import MAX_VARIANTS, KeptAnswers, KeptResponse
from gateway.upstreams import UpstreamResponse

PROFILE = UpstreamResponse(
    200,
    (
        (b"content-type", b"application/json"),
        (b"ETag", b'"abc"'),
        (b"Cache-Control", b"private, no-cache"),
        (b"Vary", b"Authorization"),
        (b"x-request-id", b"the-first-request"),
        (b"date", b"Mon, 07 Dec 2026 05:00:00 GMT"),
    ),
    b'{"name":"Kept"}',
)


def test_a_profile_is_kept_without_the_first_requests_own_headers() -> None:
    kept = KeptResponse.of(PROFILE)
    assert kept is not None
    status, headers, body = kept.answer(None)
    assert (status, body) == (200, b'{"name":"Kept"}')
    assert dict(headers) == {
        b"content-type": b"application/json",
        b"ETag": b'"abc"',
        b"Cache-Control": b"private, no-cache",
        b"Vary": b"Authorization",
    }


def test_the_etag_the_client_holds_gets_a_304_without_a_body() -> None:
    kept = KeptResponse.of(PROFILE)
    assert kept is not None
    for held in ('"abc"', 'W/"abc"', '"old", "abc"', "*"):
        status, headers, body = kept.answer(held)
        assert (status, body) == (304, b"")
        assert {k.lower() for k, _ in headers} == {b"etag", b"cache-control", b"vary"}
    assert kept.answer('"old"')[0] == 200


def test_only_a_200_with_an_etag_is_kept() -> None:
    assert KeptResponse.of(UpstreamResponse(404, PROFILE.headers, b"{}")) is None
    untagged = tuple(h for h in PROFILE.headers if h[0] != b"ETag")
    assert KeptResponse.of(UpstreamResponse(200, untagged, b"{}")) is None


def test_answers_are_kept_per_query_string_for_the_hour_they_were_read_in() -> None:
    kept = KeptResponse.of(PROFILE)
    assert kept is not None
    answers = KeptAnswers(100).with_answer(b"granularity=hour", 100, kept)

    assert answers.get(b"granularity=hour", 100) is kept
    assert answers.get(b"granularity=day", 100) is None
    assert answers.get(b"granularity=hour", 101) is None  # the hour turned: read again
    later = answers.with_answer(b"granularity=day", 101, kept)
    assert (later.hour, list(later.by_query)) == (101, [b"granularity=day"])


def test_past_the_limit_the_oldest_query_string_makes_room() -> None:
    kept = KeptResponse.of(PROFILE)
    assert kept is not None
    answers = KeptAnswers(7)
    for n in range(MAX_VARIANTS + 2):
        answers = answers.with_answer(f"page={n}".encode(), 7, kept)
    answers = answers.with_answer(b"page=2", 7, kept)  # read again: the newest

    assert len(answers.by_query) == MAX_VARIANTS
    assert list(answers.by_query)[-1] == b"page=2"
    assert answers.get(b"page=0", 7) is answers.get(b"page=1", 7) is None
