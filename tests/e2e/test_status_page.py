"""The gateway's status page, rendered by headless Chromium, shows the live system."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from support import Api

from tessera_stack.stack import LocalStack
from tessera_stack.system import MissingDependencyError, apt_install

BROWSER_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")
# Virtual time: the page's first poll of /status.json completes before the DOM is taken.
BUDGET = "--virtual-time-budget=8000"


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium, installed when missing (as root, e.g. in CI)."""
    found = shutil.which("chromium")
    if found is None:
        try:
            apt_install(["chromium"])
        except MissingDependencyError as exc:
            pytest.skip(str(exc))
        found = shutil.which("chromium")
    assert found is not None
    return found


def browse(chromium: str, *args: str) -> str:
    run = subprocess.run(
        [chromium, *BROWSER_FLAGS, BUDGET, *args],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return run.stdout


def png_colours(path: Path) -> int:
    """Distinct byte values of the decoded image data: a blank page has only a few."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, image = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            image += data[position + 8 : position + 8 + length]
        position += 12 + length
    return len(set(zlib.decompress(image)))


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

    shot = tmp_path / "status.png"
    browse(chromium, f"--screenshot={shot}", "--window-size=1280,900", url)
    assert png_colours(shot) > 32
