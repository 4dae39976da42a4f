"""Headless Chromium (Debian's package) for the pages people look at: DOM and screenshots."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

from tessera_stack.layout import StackLayout
from tessera_stack.system import apt_install

BROWSER_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")
# Virtual time: the page's scripts and first fetches complete before the DOM is taken.
BUDGET = "--virtual-time-budget=8000"
# Where the tests leave their screenshots (git-ignored); docs/images holds copies.
SCREENSHOTS = StackLayout().run_dir / "screenshots"


def find_chromium() -> str:
    """Debian's Chromium, installed when missing (as root, e.g. in CI); raises
    MissingDependencyError where it cannot be."""
    found = shutil.which("chromium")
    if found is None:
        apt_install(["chromium"])
        found = shutil.which("chromium")
    assert found is not None
    return found


def browse(chromium: str, *args: str) -> str:
    run = subprocess.run(
        [chromium, *BROWSER_FLAGS, BUDGET, *args],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return run.stdout


def screenshot(chromium: str, url: str, name: str, size: str = "1280,900") -> Path:
    """A PNG of the page under .run/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    browse(chromium, f"--screenshot={shot}", f"--window-size={size}", url)
    return shot


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
