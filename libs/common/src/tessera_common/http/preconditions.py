"""If-Match: optimistic concurrency over HTTP (RFC 9110 §13.1.1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from tessera_common.problems import Problem


def parse_version(if_match: str) -> int:
    """`"3"`, `W/"3"` or `3` -> 3; a 400 problem naming the header for anything else."""
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit() or int(raw) < 1:
        raise Problem(
            400, "invalid-if-match", "Invalid If-Match",
            'send the ETag you read, e.g. If-Match: "3"',
            errors=[{"field": "If-Match", "message": "not a version ETag"}],
        )  # fmt: skip
    return int(raw)


async def required_version(
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=64)] = None,
) -> int:
    """Updates must say which version they change: 428 without If-Match."""
    if if_match is None:
        raise Problem(
            428, "precondition-required", "If-Match required",
            "read the resource first and send its ETag in If-Match",
            errors=[{"field": "If-Match", "message": "required"}],
        )  # fmt: skip
    return parse_version(if_match)


async def optional_version(
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=64)] = None,
) -> int | None:
    return None if if_match is None else parse_version(if_match)


RequiredVersion = Annotated[int, Depends(required_version)]
OptionalVersion = Annotated[int | None, Depends(optional_version)]
