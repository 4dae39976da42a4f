"""Conditional GETs: a strong ETag over the exact body, and a 304 when the client has it."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from fastapi import Request, Response

from tessera_common.http.etags import etag_matches

# Tenant data: any cache may store it for this caller only, and must revalidate each use.
PRIVATE = "private, no-cache"
# What a read can answer besides 200 (OpenAPI): a 304 for its ETag, a malformed token or
# cursor (400), a tenant not found or not the caller's (404), the read models not caught
# up with the token in time (503); operator reads refuse tenant keys (403) instead.
TENANT_READ = (304, 400, 404, 503)
OPERATOR_READ = (304, 400, 403, 503)


def json_response(request: Request, document: Any, cache_control: str = PRIVATE) -> Response:
    """`document` as JSON with its ETag; 304 and no body when `If-None-Match` names it.

    Keys are sorted, so the same data has the same bytes (and ETag) whichever cache
    layer or database path produced it.
    """
    return conditional(request, json_body(document), cache_control)


def json_body(document: Any) -> bytes:
    """Sorted keys: one document, one byte string, one ETag."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def conditional(request: Request, body: bytes, cache_control: str = PRIVATE) -> Response:
    status, headers, content = conditional_answer(
        body, request.headers.get("if-none-match"), cache_control
    )
    if status == 304:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)


def conditional_answer(
    body: bytes, if_none_match: str | None, cache_control: str = PRIVATE
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a JSON read: 200 with its ETag, or 304 without a body."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if cache_control.startswith("private"):
        headers["Vary"] = "Authorization"
    if etag_matches(if_none_match, etag):
        return 304, headers, b""
    return 200, headers, body
