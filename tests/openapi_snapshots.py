"""OpenAPI snapshots of the gateway's upstreams, committed under `contract/openapi/`.

`make contracts` runs this file to rewrite them; a contract test fails while one is stale.
Building an app opens no connection, so no database or broker is needed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

import accounts.main
import billing.main
import query.main
import usage.main

SNAPSHOTS = Path(__file__).parent / "contract" / "openapi"
UPSTREAMS: dict[str, Callable[[], FastAPI]] = {
    "accounts": accounts.main.create_app,
    "billing": billing.main.create_app,
    "usage": usage.main.create_app,
    "query": query.main.create_app,
}
PRIVATE_PREFIXES = ("/internal", "/healthz", "/readyz", "/metrics")


def current(service: str) -> dict[str, Any]:
    """The OpenAPI document the service's code serves now."""
    return UPSTREAMS[service]().openapi()


def committed(service: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path_of(service).read_text())
    return document


def path_of(service: str) -> Path:
    return SNAPSHOTS / f"{service}.json"


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def public_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path template) of every operation the public may reach."""
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if not path.startswith(PRIVATE_PREFIXES)
        for method in operations
    }


def main() -> int:
    """Rewrite every snapshot that differs from its service's current document."""
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    for service in UPSTREAMS:
        path, text = path_of(service), render(current(service))
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def public_document() -> dict[str, Any]:
    """The gateway's aggregated OpenAPI, from the committed snapshots (what clients read)."""
    from gateway.openapi import aggregate  # noqa: PLC0415 - the gateway only where it is used
    from gateway.routes import ROUTES  # noqa: PLC0415

    return aggregate({service: committed(service) for service in UPSTREAMS}, ROUTES)
