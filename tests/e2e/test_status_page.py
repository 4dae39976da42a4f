"""The gateway's status page, rendered by headless Chromium, shows the live system."""

from __future__ import annotations

import re
from pathlib import Path

from browser import browse, png_colours, screenshot
from support import Api

from tessera_stack.stack import LocalStack


async def test_status_page_renders_the_live_system(
    local_stack: LocalStack, api: Api, chromium: str, tmp_path: Path
) -> None:
    await api.tenant(region="apac", name="Observed")
    url = f"{local_stack.layout.service_url('gateway')}/status"
    dom = browse(chromium, "--dump-dom", url)
    states = dict(re.findall(r'data-component="([\w-]+)" data-state="([\w-]+)"', dom))
    for service in ("gateway", "accounts", "billing", "usage", "query", "projector"):
        assert states.get(service) == "ready", (service, states)
    for component in ("shard-0", "shard-1", "shard-2", "read", "redis", "kafka"):
        assert states.get(component) == "up", (component, states)
    apac = re.search(r'data-region="apac"><td>apac</td><td>shard-2 \((\d+)\)', dom)
    assert apac is not None
    assert int(apac.group(1)) >= 1
    kpis = dict(re.findall(r'data-kpi="(\w+)" data-value="([^"]*)"', dom))
    assert kpis["db_query_p99"]
    assert float(kpis["db_query_p99"]) > 0
    assert "updated " in dom

    shot = screenshot(chromium, url, "status")
    assert png_colours(shot) > 32
