"""The README's quick-start commands work as written."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tessera_stack.endpoints import Endpoints

README = Path(__file__).resolve().parents[2] / "README.md"
PUBLIC_ENTRY = "http://127.0.0.1:8000"
READ_SERVER_PORT = 15440


def quick_start_blocks() -> list[str]:
    """The bash blocks that talk to the running system (the ones calling curl or psql)."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.DOTALL)
    return [b for b in blocks if "curl" in b or "psql" in b]


def documents(output: str) -> list[dict[str, Any]]:
    """The JSON documents a script printed, pretty-printed or not."""
    decoder, found, position = json.JSONDecoder(), [], 0
    while (start := output.find("{", position)) != -1:
        try:
            document, position = decoder.raw_decode(output, start)
        except json.JSONDecodeError:
            position = start + 1
            continue
        found.append(document)
    return found


def as_run_here(script: str, endpoints: Endpoints) -> str:
    """The README's commands, addressed to this stack (TESSERA_PORT_OFFSET shifts ports)."""
    read_server = urlsplit(endpoints.read_db_url)
    return script.replace(PUBLIC_ENTRY, endpoints.gateway_url).replace(
        f"127.0.0.1:{READ_SERVER_PORT}", f"{read_server.hostname}:{read_server.port}"
    )


def test_the_readme_examples_create_a_tenant_and_read_it_back(endpoints: Endpoints) -> None:
    if endpoints.source != "local":
        pytest.skip("the README addresses the local stack")
    script = "set -euo pipefail\n" + "\necho\n".join(quick_start_blocks())
    result = subprocess.run(
        ["bash", "-c", as_run_here(script, endpoints)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = documents(result.stdout)  # the profile, the added user, the list of users
    profile, listed = printed[0], next(d for d in printed if "items" in d)
    assert (profile["name"], profile["region"], profile["status"]) == ("Acme", "eu-west", "active")
    assert profile["created_at"].endswith("Z")
    assert [u["email"] for u in listed["items"]] == ["ada@acme.io"]
    assert re.search(rf"{profile['tenant_id']} \| eu-west \| shard-2", result.stdout)
