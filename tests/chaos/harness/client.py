"""A careful client: a failed or timed-out command goes again with the same Idempotency-Key
(or the same If-Match), after the Retry-After it was given, until its deadline."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx

from harness.ledger import Command
from harness.statuses import PROBLEM_JSON, TIMEOUT, TRANSPORT, Answer

# The client's deadline per attempt, past which an answer is a hang: the gateway's own
# upstream timeout (10 s, GATEWAY_REQUEST_TIMEOUT_SECONDS) and a retry elsewhere fit in it.
REQUEST_TIMEOUT = 15.0
COMMAND_DEADLINE = 90.0  # a command is given up (and left unacknowledged) after this
MAX_BACKOFF = 2.0


async def attempt(
    http: httpx.AsyncClient, kind: str, tenant: str, method: str, path: str, **kwargs: Any
) -> tuple[Answer, httpx.Response | None]:
    """One request, its answer recorded whatever happens."""
    sent_at = time.monotonic()
    try:
        response = await http.request(method, path, timeout=REQUEST_TIMEOUT, **kwargs)
    except httpx.TimeoutException:
        return Answer(kind, sent_at, time.monotonic(), TIMEOUT, tenant=tenant), None
    except httpx.TransportError:
        return Answer(kind, sent_at, time.monotonic(), TRANSPORT, tenant=tenant), None
    return answer_of(response, kind, tenant, sent_at, time.monotonic()), response


def answer_of(
    response: httpx.Response, kind: str = "", tenant: str = "", sent_at: float = 0.0,
    done_at: float = 0.0,
) -> Answer:  # fmt: skip
    """A response as the harness judges it."""
    content_type = response.headers.get("content-type", "")
    problem = ""
    if content_type == PROBLEM_JSON:
        with contextlib.suppress(ValueError):
            problem = str(response.json().get("type", "")).rsplit("/", 1)[-1]
    return Answer(
        kind, sent_at, done_at, response.status_code, content_type,
        response.headers.get("retry-after", ""), problem, tenant,
    )  # fmt: skip


def pause_after(answer: Answer, tries: int) -> float:
    """Retry-After when the server gave one, else a capped exponential backoff."""
    if answer.retry_after.isdigit():
        return min(float(answer.retry_after), MAX_BACKOFF)
    return min(0.1 * 2.0**tries, MAX_BACKOFF)


async def send(
    http: httpx.AsyncClient,
    command: Command,
    method: str,
    path: str,
    headers: dict[str, str],
    *,
    stop: asyncio.Event,
) -> httpx.Response | None:
    """Send `command` until it is settled, given up, or the workload stops (then one last
    attempt is allowed to finish, so nothing is left in flight)."""
    deadline = time.monotonic() + COMMAND_DEADLINE
    tries = 0
    while True:
        body = {"json": command.body} if command.body else {}
        answer, response = await attempt(
            http, command.kind, command.tenant_id, method, path, headers=headers, **body
        )
        command.attempts.append(answer)
        if response is not None and not answer.retryable:
            return response
        tries += 1
        if time.monotonic() > deadline or (stop.is_set() and tries > 3):
            return None
        await asyncio.sleep(pause_after(answer, tries))
