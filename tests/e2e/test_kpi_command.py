"""`make kpi` against the running stack: real values after some traffic, as JSON too."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from support import Api, bearer

from tessera_stack.stack import LocalStack

NOT_SCRAPED = {"cost_per_user", "uptime", "mttr"}  # from make bench and make chaos runs


async def test_kpi_reports_real_values_after_traffic(
    local_stack: LocalStack,
    api: Api,
    tmp_path: Path,
    converge: Callable[..., Awaitable[object]],
) -> None:
    tenant = await api.tenant(name="Measured")
    path = f"/v1/tenants/{tenant['tenant_id']}"
    assert (await api.read(path, tenant["token"], tenant["api_key"])).status_code == 200
    for _ in range(3):  # cached reads
        await api.gateway.get(path, headers=bearer(tenant["api_key"]))
    out = tmp_path / "kpi.json"

    async def measured() -> dict[str, object] | None:
        run = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "tessera_stack.kpi", "--out", str(out)],
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        document = json.loads(out.read_text())
        values = {row["key"]: row["value"] for row in document["kpis"]}
        scraped = {k: v for k, v in values.items() if k not in NOT_SCRAPED}
        return values if all(v is not None for v in scraped.values()) else None

    values = await converge(measured, within=30.0, interval=1.0)
    assert isinstance(values, dict)
    assert 0 < values["p99_latency"] < 60
    assert 0 <= values["error_rate"] <= 1
    assert 0 < values["cache_hit_ratio"] <= 1
    assert values["db_query_p99"] > 0
    assert values["projection_lag_p99"] > 0
    # The cost row comes from the last full `make bench` run, and only from one.
    bench_run = local_stack.layout.run_dir / "bench" / "latest.json"
    modelled = bench_run.exists() and json.loads(bench_run.read_text())["cost"]["available"]
    if modelled:
        assert values["cost_per_user"] > 0
    else:
        assert values["cost_per_user"] is None
    # Uptime and MTTR come from the last fault suite's run (`make chaos`), and only from one.
    chaos_run = local_stack.layout.run_dir / "chaos" / "latest.json"
    if chaos_run.exists():
        assert 0 <= values["uptime"] <= 1
        assert values["mttr"] >= 0
    else:
        assert values["uptime"] is None
        assert values["mttr"] is None
    document = json.loads(out.read_text())
    assert document["unreachable"] == []
    assert {"1k", "100k", "1M"} == set(document["kpis"][0]["stages"])
