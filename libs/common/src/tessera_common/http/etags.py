"""Entity tags of conditional reads (RFC 9110 §8.8.3, §13.1.2)."""

from __future__ import annotations


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison: `*`, or any listed tag equal to `etag` once `W/` is dropped."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags
