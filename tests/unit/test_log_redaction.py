"""No secret survives the log redactor: tenant keys, bearer credentials, DSN passwords."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
import structlog

from tessera_common.observability.logging import configure_logging
from tessera_common.observability.redaction import REDACTED, SecretRedactor

KEY = "tsk_0123456789abcdef0123456789abcdef_" + "s3cr3t-Part_of-the-key-xyzXYZ0123456789"


def redact(**event: object) -> dict[str, object]:
    return dict(SecretRedactor(["operator-key-value"])(None, "info", event))


def test_tenant_keys_keep_their_tenant_and_lose_their_secret() -> None:
    line = redact(message=f"verifying {KEY} now")["message"]
    assert line == f"verifying tsk_0123456789abcdef0123456789abcdef_{REDACTED} now"


def test_bearer_credentials_and_secret_fields_are_masked() -> None:
    event = redact(
        message="header Authorization: Bearer abc.def.ghi",
        headers={"Authorization": "Bearer x", "accept": "json"},
        password="hunter2",
    )
    assert event["message"] == f"header Authorization: Bearer {REDACTED}"
    assert event["headers"] == {"Authorization": REDACTED, "accept": "json"}
    assert event["password"] == REDACTED


@pytest.mark.parametrize(
    "dsn",
    ["postgresql://tessera:tessera@127.0.0.1:15432/accounts", "redis://:pw@localhost:6379/0"],
)
def test_passwords_in_urls_are_masked(dsn: str) -> None:
    message = str(redact(message=f"connect {dsn} failed")["message"])
    assert REDACTED in message
    assert "tessera@" not in message
    assert ":pw@" not in message


def test_known_secrets_are_masked_wherever_they_appear() -> None:
    assert redact(error=["got operator-key-value"])["error"] == [f"got {REDACTED}"]


def test_configured_logging_redacts_structlog_and_stdlib_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TESSERA_OPERATOR_KEY", "the-operator-key-123")
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    configure_logging("test")
    try:
        structlog.get_logger("t").info("auth", detail="Bearer the-operator-key-123")
        logging.getLogger("lib").warning("dsn postgresql://u:pw1234@h/db key %s", KEY)
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    text = out.getvalue()
    assert len(lines) == 2
    assert "the-operator-key-123" not in text
    assert "pw1234" not in text
    assert KEY not in text
