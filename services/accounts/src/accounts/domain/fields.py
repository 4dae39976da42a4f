"""Field rules shared by the aggregates: trimmed, bounded, normalised."""

import re

from accounts.domain.errors import InvalidFieldError

NAME_MAX = 200
EMAIL_MAX = 254
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[^@\s]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


def clean_name(field: str, value: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidFieldError(field, "must not be blank")
    if len(cleaned) > NAME_MAX:
        raise InvalidFieldError(field, f"must be at most {NAME_MAX} characters")
    if any(ord(ch) < 32 for ch in cleaned):
        raise InvalidFieldError(field, "must not contain control characters")
    return cleaned


def clean_email(value: str) -> str:
    """Emails compare case-insensitively, so they are stored lower-cased."""
    cleaned = value.strip().lower()
    if len(cleaned) > EMAIL_MAX or not _EMAIL.match(cleaned):
        raise InvalidFieldError("email", "must be a valid email address")
    return cleaned
