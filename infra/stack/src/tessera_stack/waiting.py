"""Wait for a component to answer, failing fast when its process has died."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx


class NotReadyError(RuntimeError):
    pass


def wait_until(
    ready: Callable[[], bool],
    what: str,
    *,
    timeout: float,
    alive: Callable[[], bool] | None = None,
    log_file: Path | None = None,
    interval: float = 0.2,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if alive is not None and not alive():
            raise NotReadyError(f"{what} exited during start-up{_tail(log_file)}")
        time.sleep(interval)
    raise NotReadyError(f"{what} not ready after {timeout:.0f}s{_tail(log_file)}")


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _tail(log_file: Path | None, lines: int = 25) -> str:
    if log_file is None or not log_file.exists():
        return ""
    text = log_file.read_text(errors="replace").splitlines()[-lines:]
    return f"\n--- last lines of {log_file} ---\n" + "\n".join(text)
