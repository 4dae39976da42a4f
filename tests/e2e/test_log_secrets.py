"""Logs carry trace, request and tenant ids, and never a secret of any kind."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from support import Api, bearer

from tessera_stack.layout import PG_PASSWORD, PG_USER
from tessera_stack.stack import LocalStack


def log_lines(stack: LocalStack) -> list[str]:
    return [
        line
        for path in sorted(stack.layout.logs_dir.glob("*.log"))
        for line in path.read_text(errors="replace").splitlines()
    ]


def records(lines: list[str]) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found


async def test_no_secret_reaches_any_log(
    local_stack: LocalStack, api: Api, converge: Callable[..., Awaitable[object]]
) -> None:
    tenant = await api.tenant(name="Secretive")
    base = f"/v1/tenants/{tenant['tenant_id']}"
    issued = await api.gateway.post(f"{base}/api-keys", headers=bearer(tenant["api_key"]))
    assert issued.status_code == 201, issued.text
    second = issued.json()["api_key"]
    assert (await api.read(base, tenant["token"], second)).status_code == 200
    forged = tenant["api_key"][:-8] + "forged00"
    assert (await api.gateway.get(base, headers=bearer(forged))).status_code == 401

    async def logged() -> list[str] | None:
        lines = log_lines(local_stack)
        ours = [r for r in records(lines) if r.get("tenant_id") == tenant["tenant_id"]]
        return lines if any("trace_id" in r and "request_id" in r for r in ours) else None

    lines = await converge(logged)
    assert isinstance(lines, list)
    environment = local_stack.environment
    secrets = {
        "tenant key": tenant["api_key"],
        "issued key": second,
        "forged key": forged,
        "operator key": environment["TESSERA_OPERATOR_KEY"],
        "internal token secret": environment["TESSERA_INTERNAL_TOKEN_SECRET"],
        "database password in a URL": f"{PG_USER}:{PG_PASSWORD}@",
    }
    for what, secret in secrets.items():
        leaks = [line[:200] for line in lines if secret in line]
        assert leaks == [], f"{what} in the logs"
