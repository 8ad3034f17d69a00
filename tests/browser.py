"""Headless Chromium for the browser tests (Neo4j Browser, the console).

Playwright drives Debian's Chromium (``executable_path``: no browser
download; ``make install`` runs ``apt-get install chromium``). Screenshots go
to ``tests/output/<suite>/`` (ignored by git) for a person to look at.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

#: Where the browser tests save their screenshots (one folder per suite).
OUTPUT = Path(__file__).resolve().parent / "output"
#: The network is closed here: without these Chromium waits on (or is refused
#: by) update, sync and QUIC endpoints.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """The path of Debian's Chromium; skips the test when it is not installed."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("Debian chromium not installed (make install runs apt-get install chromium)")
    return path


@contextmanager
def browser_page(width: int = 1400, height: int = 1000) -> Iterator[Page]:
    """A page of a headless Chromium with a throwaway profile, closed afterwards."""
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=chromium(),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()
