"""The README's quick-start commands work as written."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tessera_stack.endpoints import Endpoints

README = Path(__file__).resolve().parents[2] / "README.md"
PUBLIC_ENTRY = "http://127.0.0.1:8000"


def quick_start_blocks() -> list[str]:
    """The bash blocks that talk to the running system (the ones calling curl or psql)."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.DOTALL)
    return [b for b in blocks if "curl" in b or "psql" in b]


def test_the_readme_examples_create_a_tenant_and_read_it_back(endpoints: Endpoints) -> None:
    if endpoints.gateway_url != PUBLIC_ENTRY:
        pytest.skip(f"the README addresses {PUBLIC_ENTRY}, the gateway is elsewhere")
    script = "set -euo pipefail\n" + "\necho\n".join(quick_start_blocks())
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    documents = [line for line in result.stdout.splitlines() if line.startswith("{")]
    profile = json.loads(documents[0])
    assert (profile["name"], profile["region"], profile["status"]) == ("Acme", "eu-west", "active")
    listed = json.loads(re.findall(r'\{"items".*', result.stdout)[0])
    assert [u["email"] for u in listed["items"]] == ["ada@acme.io"]
    assert re.search(rf"{profile['tenant_id']} \| eu-west \| shard-2", result.stdout)
