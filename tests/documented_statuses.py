"""Every status the tests observe through the edge is one the public OpenAPI documents.

The e2e tests' client checks each response against the gateway's aggregated document,
so a status an operation answers and does not document fails the test that met it; the
fuzz tests hold every service's document to the same (`status_code_conformance`).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

# The edge's own answers when no gateway answered: NGINX's, not the API's.
EDGE_STATUSES = frozenset({502, 504})


class UndocumentedStatusError(AssertionError):
    pass


class DocumentedStatuses:
    """An httpx response hook: raises on a status the matched operation does not list."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._operations = [
            (method.upper(), _pattern(path), frozenset(operation["responses"]))
            for path, operations in document["paths"].items()
            for method, operation in operations.items()
        ]
        self.observed: set[tuple[str, str, int]] = set()

    def documented(self, method: str, path: str) -> tuple[str, frozenset[str]] | None:
        """The template and documented statuses of the operation a request reached."""
        for wanted, pattern, statuses in self._operations:
            if wanted == method and pattern.fullmatch(path):
                return pattern.pattern, statuses
        return None

    async def __call__(self, response: httpx.Response) -> None:
        request = response.request
        found = self.documented(request.method, request.url.path)
        if found is None or response.status_code in EDGE_STATUSES:
            return  # no such operation (a 404 or 405 of the routing table), or the edge's
        template, statuses = found
        self.observed.add((request.method, template, response.status_code))
        if str(response.status_code) not in statuses:
            raise UndocumentedStatusError(
                f"{request.method} {request.url.path} answered {response.status_code}, "
                f"which its OpenAPI operation does not document ({sorted(statuses)})"
            )


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)))
