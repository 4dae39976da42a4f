"""Secrets never reach a log line: API keys, bearer credentials, DSN passwords, known secrets."""

from __future__ import annotations

import re
from collections.abc import Iterable, MutableMapping
from typing import Any

EventDict = MutableMapping[str, Any]

REDACTED = "[redacted]"
# Field names whose values are credentials whatever they look like.
SECRET_FIELDS = frozenset(
    {"authorization", "password", "secret", "api_key", "operator_key", "token", "x-internal-token"}
)
_PATTERNS = (
    # Tenant API keys: tsk_<tenant hex>_<secret>; the tenant part stays readable.
    (re.compile(r"\b(tsk_[0-9a-f]{32}_)[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)\b(bearer\s+)[^\s\"',]+"), rf"\1{REDACTED}"),
    # user:password@ in any URL or DSN.
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@"), rf"\1{REDACTED}@"),
)


class SecretRedactor:
    """A structlog processor masking secrets in every string value of an event."""

    def __init__(self, known_secrets: Iterable[str] = ()) -> None:
        self._known = sorted({s for s in known_secrets if len(s) >= 8}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._known:
            text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def _clean(self, key: str, value: Any) -> Any:
        if key.lower() in SECRET_FIELDS and value is not None:
            return REDACTED
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self._clean(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._clean("", v) for v in value]
        return value

    def __call__(self, _: Any, __: str, event_dict: EventDict) -> EventDict:
        for key, value in event_dict.items():
            event_dict[key] = self._clean(key, value)
        return event_dict
