"""A kept answer repeats the query service's own, ETag and all, or a 304 for its ETag."""

from __future__ import annotations

from gateway.responses import KeptResponse
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
